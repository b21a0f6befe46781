import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cpuModelOptions } from '../../../src/models/cpu/options.js'
import { DEPTH_ANYTHING_V2_SMALL } from '../../../src/models/cpu/catalog.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { DepthAnythingProvider } from '../../../src/providers/depth/depth-anything.js'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { readPlyWithThree } from '../../integration/pointcloud/ply-reader.js'
import { writePng } from '../../integration/video/media-helpers.js'
import { H, PICTURE, W, expectTinyModelDepth } from './depth-picture.js'
import {
  closedPortUrl,
  fakeHub,
  tinyCatalogEntry,
  tinyDepthFiles,
} from '../../unit/cpu-models/tiny-models.js'

describe('pointcloud-generation with depth-model depth-anything-v2-small (tiny model, real pipeline)', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-cpu-depth-')
    await writePng(path.join(ws, 'photo.png'), PICTURE)
  })
  afterAll(async () => removeDir(ws))

  it('filled cache, no network: legacy files, a PLY whose z follows the model depth, telemetry with model and revision', async () => {
    const files = tinyDepthFiles()
    const model = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)
    // Fill the cache from a local stand-in of the Hub, then take the network away.
    const hub = await fakeHub(model, files)
    const fillContext = testContext(ws, { env: { HF_ENDPOINT: hub.url } })
    await new DepthAnythingProvider(cpuModelOptions('models', fillContext), model).estimate({
      png: Buffer.alloc(0),
      width: W,
      height: H,
      rgb: PICTURE,
      signal: new AbortController().signal,
      logger: fillContext.logger,
    })
    await hub.close()

    const context = testContext(ws, {
      env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: await closedPortUrl() },
    })
    const result = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'photo.png',
        'output-folder': 'cpu-depth',
        'depth-model': 'depth-anything-v2-small',
        'model-cache-dir': 'models',
        'ply-format': 'ascii',
      }),
      context,
      {
        // The real provider with the tiny model's catalog entry (the real entry pins the real weights);
        // the command line does the same with a KAMUI_CPU_MODEL_CATALOG file (pointcloud-catalog-cli.test.ts).
        depthProvider: (name) =>
          name === 'depth-anything-v2-small'
            ? new DepthAnythingProvider(cpuModelOptions('models', context), model)
            : undefined,
      },
    )
    const folder = path.join(ws, 'cpu-depth')
    const at = await expectTinyModelDepth(folder)

    const ply = await readPlyWithThree(result.files.ply)
    expect(ply.header).toMatch(/comment depth-source cpu:depth-anything-v2-small/)
    expect(ply.positions.length / 3).toBe(result.cloud.count)
    for (let i = 0; i < result.cloud.count; i += 97) {
      const col = (ply.positions[i * 3] as number) + W / 2
      const row = H / 2 - (ply.positions[i * 3 + 1] as number)
      expect(ply.positions[i * 3 + 2]).toBeCloseTo((at(col, row) / 65535) * 100, 3)
    }

    const telemetryText = await readFile(
      path.join(folder, 'metadata/artifact-metadata.json'),
      'utf8',
    )
    const telemetry = JSON.parse(telemetryText)
    const depthGray = telemetry.artifacts.find((a: { path: string }) => a.path === 'depth_gray.png')
    expect(depthGray.model).toMatchObject({
      alias: 'depth-anything-v2-small',
      provider: 'cpu',
      model_id: model.id,
      revision: model.revision,
    })
    expect(depthGray.cpu_model).toMatchObject({
      model_id: model.id,
      revision: model.revision,
      download_ms: null,
    })
    expect(depthGray.cpu_model.peak_rss_mib).toBeGreaterThan(0)
    expect(depthGray.cpu_model.inference_ms).toBeGreaterThanOrEqual(0)
    expect(depthGray.cost).toMatchObject({ usd: 0 })
    expect((await verifyTelemetry(folder)).ok).toBe(true)
  })

  it('empty cache, no network: fails fast with PC_003 naming the model, the cache folder and how to fill it; no partial cache', async () => {
    const context = testContext(ws, { env: { HF_ENDPOINT: await closedPortUrl() } })
    const started = Date.now()
    await expect(
      runPointcloudGeneration(
        parsePointcloudInputs({
          'input-image-path': 'photo.png',
          'output-folder': 'no-cache',
          'depth-model': 'depth-anything-v2-small',
          'model-cache-dir': 'empty-models',
        }),
        context,
      ),
    ).rejects.toThrow(
      new RegExp(
        `^PC_003: depth-anything-v2-small \\(onnx-community/depth-anything-v2-small@4472b73\\) is not in the model cache ` +
          `${path.join(ws, 'empty-models').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} and could not be downloaded .*ECONNREFUSED.*` +
          `Nothing was left in the cache\\. Fill it where the Hugging Face Hub is reachable.*npm run check:models`,
      ),
    )
    expect(Date.now() - started).toBeLessThan(15_000)
    const cacheDir = path.join(ws, 'empty-models')
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([])
    expect(existsSync(path.join(ws, 'no-cache', 'pointcloud.ply'))).toBe(false)
  })
})
