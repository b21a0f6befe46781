import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse, stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TSX_LOADER_URL } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { actionlintFindings, ROOT, workflowFiles, workflowParserErrors } from './lint.js'

const run = promisify(execFile)

type Workflow = { jobs: Record<string, Job> }
type Job = { 'runs-on'?: unknown; steps?: Step[]; [key: string]: unknown }
type Step = { run?: string; env?: Record<string, string>; [key: string]: unknown }

/** The deliberately broken copies of a workflow: name, change, and what the linter must say. */
const BREAKAGES: [string, (w: Workflow) => void, RegExp][] = [
  [
    'an unknown key in a job',
    (w) => {
      const job = firstJob(w)
      job['runs-onn'] = job['runs-on']
      delete job['runs-on']
    },
    /unexpected key "runs-onn"/,
  ],
  [
    'a malformed expression',
    (w) => {
      firstStep(w).if = '${{ github.ref == ( }}'
    },
    /parser|unexpected end of input|unexpected token/i,
  ],
  [
    'a step output that no step defines',
    (w) => {
      firstStep(w).env = { VALUE: '${{ steps.no-such-step.outputs.value }}' }
    },
    /property "no-such-step" is not defined/,
  ],
  [
    'an untrusted value interpolated into a script',
    (w) => {
      const job = firstJob(w)
      job.steps = [...(job.steps ?? []), { run: 'echo "${{ github.event.pull_request.title }}"' }]
    },
    /potentially untrusted/,
  ],
]

function firstJob(w: Workflow): Job {
  return Object.values(w.jobs)[0] as Job
}
function firstStep(w: Workflow): Step {
  return (firstJob(w).steps as Step[])[0] as Step
}

const files = workflowFiles()

describe.each(files)('%s', (file) => {
  const source = readFileSync(path.join(ROOT, file), 'utf8')

  it('passes actionlint and GitHub’s workflow parser', async () => {
    expect(await actionlintFindings(source, file)).toEqual([])
    expect(workflowParserErrors(source, file)).toEqual([])
  })

  it('never puts an expression into a run: script (values go through env:)', () => {
    const workflow = parse(source) as Workflow
    for (const [id, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.run !== undefined) expect(step.run, `${id}: ${step.run}`).not.toContain('${{')
      }
    }
  })

  it.each(BREAKAGES.map(([name, change, expected]) => ({ name, change, expected })))(
    'fails the linter with $name',
    async ({ change, expected }) => {
      const workflow = parse(source) as Workflow
      change(workflow)
      const findings = await actionlintFindings(stringify(workflow), file)
      expect(findings.map((f) => f.message).join('\n')).toMatch(expected)
    },
  )
})

it('finds the workflows the project promises', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/music-video.yml',
      '.github/workflows/pr-validation.yml',
    ]),
  )
})

describe('npm run lint:workflows (scripts/lint-workflows.ts, as CI runs it)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await tempWorkspace('kamui-actionlint-')
  })
  afterAll(async () => {
    await removeDir(dir)
  })
  const lint = (root: string) =>
    run(process.execPath, [
      '--import',
      TSX_LOADER_URL,
      path.join(ROOT, 'scripts/lint-workflows.ts'),
      root,
    ]).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    )

  it('exits 0 on this repository and 1 on a broken workflow, naming the problem', async () => {
    const ok = await lint(ROOT)
    expect(ok).toEqual({
      code: 0,
      stdout: `actionlint: ${files.length} workflow file(s), no problems.\n`,
    })
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true })
    const broken = readFileSync(
      path.join(ROOT, '.github/workflows/pr-validation.yml'),
      'utf8',
    ).replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest')
    await writeFile(path.join(dir, '.github/workflows/broken.yml'), broken)
    const bad = await lint(dir)
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(
      /^\.github\/workflows\/broken\.yml:\d+:\d+: unexpected key "runs-onn"/m,
    )
  })

  it('honours the custom runner labels of .github/actionlint.yaml, and only those', async () => {
    await mkdir(path.join(dir, '.github/workflows'), { recursive: true })
    const workflow =
      'on: push\njobs:\n  a:\n    runs-on: [self-hosted, gpu]\n    steps:\n      - run: echo hi\n'
    await writeFile(path.join(dir, '.github/workflows/broken.yml'), workflow)
    expect((await lint(dir)).stdout).toContain('label "gpu" is unknown')
    await writeFile(
      path.join(dir, '.github/actionlint.yaml'),
      'self-hosted-runner:\n  labels: [gpu]\n',
    )
    expect(await lint(dir)).toEqual({
      code: 0,
      stdout: 'actionlint: 1 workflow file(s), no problems.\n',
    })
  })
})
