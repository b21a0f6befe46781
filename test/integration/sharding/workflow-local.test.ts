import { cp, mkdir, readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { parse } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { actionlintFindings, workflowParserErrors } from '../workflows/lint.js'
import { kamuiOk, kamuiTogether, readJson } from './helpers.js'

const WORKFLOW = '.github/workflows/music-video-sharded.yml'

interface Step {
  id?: string
  uses?: string
  with?: Record<string, string | number>
}
interface Workflow {
  on: { workflow_dispatch: { inputs: Record<string, { default?: string | number }> } }
  env: Record<string, string>
  jobs: Record<string, { steps: Step[] }>
}

/**
 * Replaces the `${{ … }}` expressions the workflow's kamui steps use with what Actions would
 * put there: the workflow_dispatch defaults, the env, the matrix value, no MCP_CONFIG secret
 * (the preview fallback), a run id. Any other expression fails the test.
 */
function expand(value: string, scope: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    const v = scope[expr]
    if (v === undefined) throw new Error(`unexpected expression ${expr}`)
    return v
  })
}

/** The `kamui` arguments of a step (`uses: ./actions/<name>` or `./`): one flag per `with:` input. */
function argsOf(step: Step, command: string, scope: Record<string, string>): string[] {
  const args = [command]
  for (const [name, raw] of Object.entries(step.with ?? {})) {
    args.push(`--${name}`, expand(String(raw), scope))
  }
  return args
}

describe(`${WORKFLOW} (issue 13)`, () => {
  let workspace: string
  let workflow: Workflow

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-shard-workflow-')
    workflow = parse(await readFile(path.join(REPO_ROOT, WORKFLOW), 'utf8')) as Workflow
  })
  afterAll(async () => removeDir(workspace))

  it("passes the workflow linter (actionlint) and GitHub's workflow parser", async () => {
    const source = await readFile(path.join(REPO_ROOT, WORKFLOW), 'utf8')
    expect(await actionlintFindings(source, WORKFLOW)).toEqual([])
    expect(workflowParserErrors(source, WORKFLOW)).toEqual([])
  }, 120_000)

  it('its plan → shards → merge steps run locally with the same inputs on the preview provider', async () => {
    const defaults = Object.fromEntries(
      Object.entries(workflow.on.workflow_dispatch.inputs).map(([k, v]) => [
        `inputs.${k}`,
        String(v.default ?? ''),
      ]),
    )
    const scope: Record<string, string> = {
      ...defaults,
      'github.run_id': '4242',
      'secrets.MCP_CONFIG': '',
      'env.RUN_FOLDER': expand(workflow.env['RUN_FOLDER'] ?? '', { 'github.run_id': '4242' }),
    }
    const step = (job: string, id: string): Step => {
      const found = workflow.jobs[job]?.steps.find((s) => s.id === id)
      if (!found) throw new Error(`no step ${job}.${id}`)
      return found
    }
    expect(step('plan', 'plan').uses).toBe('./actions/plan')
    const plan = await kamuiOk(argsOf(step('plan', 'plan'), 'plan', scope), workspace)
    const matrix = JSON.parse(plan.outputs['matrix'] ?? '') as { include: { shard: string }[] }
    expect(matrix.include.map((m) => m.shard)).toEqual(['1/3', '2/3', '3/3'])

    const shardStep = step('shard', 'images')
    expect(shardStep.uses).toBe('./actions/image-generation-v2')
    await kamuiTogether(
      matrix.include.map((m) =>
        argsOf(shardStep, 'image-generation-v2', { ...scope, 'matrix.shard': m.shard }),
      ),
      workspace,
    )
    // upload-artifact (path with a wildcard keeps the folder name) then download-artifact
    // with merge-multiple into shards/: every shard folder side by side.
    const uploadPattern = expand(String(step('shard', 'upload').with?.['path']), scope)
    const prefix = uploadPattern.slice(0, uploadPattern.indexOf('*'))
    const downloaded = path.join(workspace, String(step('merge', 'download').with?.['path']))
    await mkdir(downloaded, { recursive: true })
    for (const entry of await readdir(workspace)) {
      if (entry.startsWith(prefix) && /-of-\d+$/.test(entry))
        await cp(path.join(workspace, entry), path.join(downloaded, entry), { recursive: true })
    }
    expect((await readdir(downloaded)).sort()).toEqual(
      [1, 2, 3].map((k) => `${scope['env.RUN_FOLDER']}-shard-${k}-of-3`),
    )

    const merge = await kamuiOk(argsOf(step('merge', 'merge'), 'merge', scope), workspace)
    expect(merge.outputs['shards-merged']).toBe('[1,2,3]')
    expect(merge.outputs['images-completed']).toBe(scope['inputs.image-count'])
    const folder = scope['env.RUN_FOLDER'] as string
    const report = await readJson<{ preview: boolean; images: { index: number }[] }>(
      path.join(workspace, folder, 'metadata/generation-report.json'),
    )
    expect(report.preview).toBe(true)
    expect(report.images.map((i) => i.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    const verify = await kamuiOk(['verify-telemetry', folder], workspace)
    expect(verify.stdout).toContain('ok:')

    // Then the remaining stages and the web player on the merged folder (the root action).
    const pipelineStep = step('merge', 'pipeline')
    expect(pipelineStep.uses).toBe('./')
    const rest = await kamuiOk(argsOf(pipelineStep, 'pipeline', scope), workspace)
    expect(rest.outputs['failed-stages']).toBe('[]')
    expect(rest.outputs['web-player-path']).toBe(`${folder}/index.html`)
  }, 400_000)
})
