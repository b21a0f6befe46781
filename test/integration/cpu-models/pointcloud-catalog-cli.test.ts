import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEPTH_ANYTHING_V2_SMALL } from '../../../src/models/cpu/catalog.js'
import { runKamui, type KamuiRun } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { readPlyWithThree } from '../../integration/pointcloud/ply-reader.js'
import { writePng } from '../../integration/video/media-helpers.js'
import { H, PICTURE, W, expectTinyModelDepth } from './depth-picture.js'
import {
  catalogFileEntry,
  closedPortUrl,
  fakeHub,
  tinyCatalogEntry,
  tinyDepthFiles,
} from '../../unit/cpu-models/tiny-models.js'

const files = tinyDepthFiles()
const tiny = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)

/** Variables of the parent that would change where the CLI looks or what it may reach. */
const CLEAN_ENV = {
  HF_HUB_OFFLINE: undefined,
  HF_ENDPOINT: undefined,
  RUNNER_TOOL_CACHE: undefined,
  KAMUI_CPU_MODEL_CATALOG: 'cpu-models.json',
}

/** `kamui pointcloud-generation` with the tiny model's catalog into `folder`. */
function pointcloud(ws: string, folder: string, env: Record<string, string>): Promise<KamuiRun> {
  return runKamui(
    [
      'pointcloud-generation',
      '--input-image-path',
      'photo.png',
      '--output-folder',
      folder,
      '--depth-model',
      'depth-anything-v2-small',
      '--model-cache-dir',
      'models',
      '--ply-format',
      'ascii',
    ],
    { cwd: ws, env: { ...CLEAN_ENV, ...env }, timeoutMs: 120_000 },
  )
}

/** The depth_gray.png artifact of a stage folder's telemetry. */
async function depthArtifact(folder: string): Promise<Record<string, Record<string, unknown>>> {
  const text = await readFile(path.join(folder, 'metadata/artifact-metadata.json'), 'utf8')
  const telemetry = JSON.parse(text) as { artifacts: { path: string }[] }
  return telemetry.artifacts.find((a) => a.path === 'depth_gray.png') as never
}

describe('kamui pointcloud-generation with a KAMUI_CPU_MODEL_CATALOG entry (real CLI, tiny model)', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-cpu-catalog-cli-')
    await writePng(path.join(ws, 'photo.png'), PICTURE)
    await writeFile(
      path.join(ws, 'cpu-models.json'),
      JSON.stringify({ models: { 'depth-anything-v2-small': catalogFileEntry(tiny, files) } }),
    )
  })
  afterAll(async () => removeDir(ws))

  it('fills the cache from the Hub, then runs with no network: legacy files, PLY z = model depth, telemetry names model, revision and catalog', async () => {
    const hub = await fakeHub(tiny, files)
    const first = await pointcloud(ws, 'online', { HF_ENDPOINT: hub.url })
    await hub.close()
    expect(first.code, first.stderr).toBe(0)
    expect(hub.requests.sort()).toEqual(
      Object.keys(files)
        .map((f) => `/${tiny.id}/resolve/${tiny.revision}/${f}`)
        .sort(),
    )
    expect(existsSync(path.join(ws, 'models', ...tiny.id.split('/'), tiny.revision))).toBe(true)
    expect((await depthArtifact(path.join(ws, 'online')))['cpu_model']?.['download_ms']).toEqual(
      expect.any(Number),
    )

    const run = await pointcloud(ws, 'offline', {
      HF_HUB_OFFLINE: '1',
      HF_ENDPOINT: await closedPortUrl(),
    })
    expect(run.code, run.stderr).toBe(0)
    // The log and the output name the replacing entry, never only the built-in key.
    expect(run.stderr).toContain(
      `The CPU model catalog cpu-models.json (KAMUI_CPU_MODEL_CATALOG): depth-anything-v2-small is ${tiny.id}@0123456 ` +
        `(Apache-2.0), replacing the built-in onnx-community/depth-anything-v2-small@4472b73.`,
    )
    expect(run.stderr).toContain(
      `Depth by ${tiny.id}@0123456 from catalog cpu-models.json on the CPU`,
    )
    const label = `cpu:depth-anything-v2-small (${tiny.id}@0123456 from catalog cpu-models.json)`
    expect(run.outputs['depth-source']).toBe(label)

    const folder = path.join(ws, 'offline')
    const at = await expectTinyModelDepth(folder)

    const ply = await readPlyWithThree(path.join(folder, 'pointcloud.ply'))
    expect(ply.header).toContain(`comment depth-source ${label}`)
    expect(ply.count).toBe(Number(run.outputs['point-count']))
    expect(ply.count).toBeGreaterThan(100)
    let left = 0
    let right = 0
    for (let i = 0; i < ply.count; i++) {
      const col = (ply.positions[i * 3] as number) + W / 2
      const row = H / 2 - (ply.positions[i * 3 + 1] as number)
      const z = ply.positions[i * 3 + 2] as number
      expect(z).toBeCloseTo((at(col, row) / 65535) * 100, 3)
      if (col < 20) left += z
      if (col >= 40) right += z
    }
    expect(left).toBeGreaterThan(right)

    const artifact = await depthArtifact(folder)
    expect(artifact['model']).toMatchObject({
      alias: 'depth-anything-v2-small',
      provider: 'cpu',
      model_id: tiny.id,
      revision: tiny.revision,
    })
    expect(artifact['cpu_model']).toMatchObject({
      key: 'depth-anything-v2-small',
      model_id: tiny.id,
      revision: tiny.revision,
      download_ms: null,
      catalog: {
        file: 'cpu-models.json',
        replaces: {
          model_id: DEPTH_ANYTHING_V2_SMALL.id,
          revision: DEPTH_ANYTHING_V2_SMALL.revision,
        },
      },
    })
    const verify = await runKamui(['verify-telemetry', 'offline'], { cwd: ws })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  }, 300_000)

  it('a catalog file with a bad entry fails fast with CFG_003 naming the file and the field, before any output', async () => {
    await writeFile(
      path.join(ws, 'bad-models.json'),
      JSON.stringify({
        models: {
          'depth-anything-v2-small': { ...catalogFileEntry(tiny, files), revision: 'main' },
        },
      }),
    )
    const started = Date.now()
    const run = await pointcloud(ws, 'bad', {
      KAMUI_CPU_MODEL_CATALOG: 'bad-models.json',
      HF_HUB_OFFLINE: '1',
      HF_ENDPOINT: await closedPortUrl(),
    })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^CFG_003: The CPU model catalog bad-models\.json \(KAMUI_CPU_MODEL_CATALOG\) is invalid: models\.depth-anything-v2-small\.revision: must be a commit: 40 lower-case hex digits \(not a branch or a tag\)\.$/m,
    )
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(existsSync(path.join(ws, 'bad', 'pointcloud.ply'))).toBe(false)
    expect(existsSync(path.join(ws, 'bad', 'depth_gray.png'))).toBe(false)
  }, 120_000)
})
