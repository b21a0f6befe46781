import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { renderActionYml } from '../../../scripts/action-yml.js'
import { imageGenerationV2Command } from '../../../src/stages/image-generation/commands.js'
import { IMAGE_GENERATION_V2_OUTPUTS } from '../../../src/stages/image-generation/spec.js'
import { REPO_ROOT, runKamui, runNode } from '../../helpers/run-kamui.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { parseLocalActionOutputs, parseSetOutputLines } from './local-action-output.js'

/**
 * The image-generation-v2 action run from its TypeScript source under @github/local-action
 * (real `@actions/core` stubs, real preview server) gives the same outputs as the CLI with the
 * same inputs.
 */

const LOCAL_ACTION_BIN = path.join(
  REPO_ROOT,
  'node_modules/@github/local-action/bin/local-action.js',
)
const ACTION_DIR = path.join(REPO_ROOT, 'actions/image-generation-v2')
const ENTRY = path.join(REPO_ROOT, 'src/actions/image-generation-v2/main.ts')

const INPUTS = {
  'image-prompt': 'A lighthouse on a cliff at sunset, watercolor',
  'folder-name': 'out/local-action',
  'image-count': '2',
  models: 'imagen4-fast,flux-schnell',
  seed: '5',
  'image-size': '128x128',
}

const temps: string[] = []
afterAll(async () => {
  await Promise.all(temps.map(removeDir))
})

/**
 * The action folder for local-action: `actions/image-generation-v2` when its action.yml has been
 * rendered (`npm run build`), otherwise a temporary folder holding the same rendering (and a
 * package.json, which local-action's launcher looks for above the action folder).
 */
async function actionDir(scratch: string): Promise<{ dir: string; entry: string }> {
  if (existsSync(path.join(ACTION_DIR, 'action.yml'))) {
    return { dir: ACTION_DIR, entry: path.relative(ACTION_DIR, ENTRY) }
  }
  const dir = path.join(scratch, 'action')
  await writeFile(path.join(scratch, 'package.json'), '{ "private": true, "type": "module" }\n')
  await mkdir(dir)
  await writeFile(path.join(dir, 'action.yml'), renderActionYml(imageGenerationV2Command, 'test'))
  return { dir, entry: ENTRY }
}

/** Environment for a child: no GITHUB_* / INPUT_* / RUNNER_* leaking in from a CI runner. */
function cleanEnv(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { NO_COLOR: '1', FORCE_COLOR: '0' }
  for (const name of Object.keys(process.env)) {
    if (/^(GITHUB_|INPUT_|RUNNER_|ACTIONS_)/.test(name)) env[name] = undefined
  }
  return env
}

describe('image-generation-v2 under @github/local-action', () => {
  it('sets the same outputs as the CLI and writes the job summary', async () => {
    const scratch = await tempWorkspace('kamui-local-action-')
    const workspaceA = await tempWorkspace('kamui-ws-a-')
    const workspaceB = await tempWorkspace('kamui-ws-b-')
    temps.push(scratch, workspaceA, workspaceB)
    const summary = path.join(scratch, 'summary.md')
    await writeFile(summary, '')
    const envFile = path.join(scratch, 'action.env')
    await writeFile(
      envFile,
      [
        ...Object.entries(INPUTS).map(([name, value]) => `INPUT_${name.toUpperCase()}=${value}`),
        `GITHUB_STEP_SUMMARY=${summary}`,
        `GITHUB_WORKSPACE=${workspaceA}`,
        // One run id for both: the provenance XMP in every image names the run (issue 16).
        'GITHUB_RUN_ID=4242',
        '',
      ].join('\n'),
    )
    const { dir, entry } = await actionDir(scratch)

    const [action, cli] = await Promise.all([
      runNode([LOCAL_ACTION_BIN, dir, entry, envFile], {
        cwd: REPO_ROOT,
        env: cleanEnv(),
        timeoutMs: 90_000,
      }),
      runKamui(
        ['image-generation-v2', ...Object.entries(INPUTS).flatMap(([k, v]) => [`--${k}`, v])],
        { cwd: workspaceB, env: { ...cleanEnv(), GITHUB_RUN_ID: '4242' } },
      ),
    ])

    const log = `${action.stdout}\n${action.stderr}`
    expect(action.code, log).toBe(0)
    // local-action exits 0 after core.setFailed too; a failure shows as an ::error:: line.
    expect(action.stdout, log).not.toMatch(/^::error::/m)
    const actionOutputs = parseLocalActionOutputs(action.stdout)
    expect(Object.keys(actionOutputs).sort()).toEqual(
      IMAGE_GENERATION_V2_OUTPUTS.map((o) => o.name).sort(),
    )
    // The table agrees with the outputs the core stub logged as they were set.
    expect(parseSetOutputLines(action.stdout)).toEqual(actionOutputs)

    expect(cli.code, cli.stderr).toBe(0)
    expect(actionOutputs).toEqual(cli.outputs)
    expect(actionOutputs['images-completed']).toBe('2')
    expect(actionOutputs['generation-report']).toBe(
      'out/local-action/metadata/generation-report.json',
    )
    expect(JSON.parse(actionOutputs['models-used'] as string)).toEqual([
      'preview:imagen4-fast',
      'preview:flux-schnell',
    ])

    // The action worked in GITHUB_WORKSPACE (not its cwd, the repository), the CLI in its cwd;
    // both wrote the same files with the same images.
    const filesA = await listFiles(workspaceA)
    expect(filesA).toEqual(await listFiles(workspaceB))
    expect(filesA).toContain('out/local-action/images/generated-image-2.png')
    for (const file of filesA.filter((f) => f.endsWith('.png'))) {
      const [a, b] = await Promise.all([
        readFile(path.join(workspaceA, file)),
        readFile(path.join(workspaceB, file)),
      ])
      expect(a.equals(b), file).toBe(true)
    }
    expect(existsSync(path.join(REPO_ROOT, INPUTS['folder-name']))).toBe(false)

    const summaryText = await readFile(summary, 'utf8')
    expect(summaryText).toContain('| image | model |')
    expect(summaryText).toContain('preview:flux-schnell')
  })
})
