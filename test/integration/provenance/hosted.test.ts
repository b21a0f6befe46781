import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readImageProvenance } from '../../../src/media/provenance/image.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { fakeKeyframesServer } from '../../fixtures/servers/fake-keyframes/start.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage, storyboardFile } from '../keyframes/helpers.js'

/**
 * Issue 16: model output (not preview) is labelled trainedAlgorithmicMedia with the model, its
 * provider, the prompt, seed, job key and run; keyframes made with product photos are
 * compositeWithTrainedAlgorithmicMedia. (Read here with the suite's reader; the independent
 * readers run in provenance.test.ts.)
 */

const IPTC = 'http://cv.iptc.org/newscodes/digitalsourcetype/'

describe('provenance of hosted model output', () => {
  let server: FakeKamuiHandle
  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 20 })
  })
  afterAll(async () => {
    await server.stop()
  })

  it('image v2: trainedAlgorithmicMedia, model, provider, prompt, seed, job key and run id', async () => {
    const workspace = await tempWorkspace()
    const mcpConfig = JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } })
    await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'Rosen im Morgentau, 薔薇',
        'folder-name': 'out',
        'mcp-config': mcpConfig,
        models: 'imagen4-fast',
        seed: '11',
      }),
      testContext(workspace, { env: { PATH: process.env['PATH'], GITHUB_RUN_ID: '9001' } }),
    )
    const file = path.join(workspace, 'out/images/generated-image-1.png')
    const p = await readImageProvenance(await readFile(file))
    expect(p).toMatchObject({
      digital_source_type: 'trainedAlgorithmicMedia',
      generator: 'kamui-media-actions',
      stage: 'image-generation-v2',
      model: 'imagen4-fast',
      provider: 'mcp',
      prompt: 'Rosen im Morgentau, 薔薇',
      seed: 11,
      run_id: '9001',
    })
    expect(p?.job_key).toMatch(/^[0-9a-f]{16,}$/)
    expect((await readFile(file)).toString('latin1')).toContain(`${IPTC}trainedAlgorithmicMedia`)
    expect((await verifyTelemetry(path.join(workspace, 'out'))).problems).toEqual([])
  })
})

describe('provenance of keyframes made with product photos', () => {
  it('labels every frame compositeWithTrainedAlgorithmicMedia with its render prompt and seed', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const fake = fakeKeyframesServer({ latencyMs: 10 })
    const { error } = await runStage(
      workspace,
      {
        'storyboard-file': await storyboardFile(workspace),
        'product-images': photos.join(','),
        'mcp-config': fake.mcpConfig(),
      },
      { pollIntervalMs: 20 },
    )
    expect(error).toBeUndefined()
    const frames = (await listFiles(path.join(workspace, 'out/keyframes'))).filter((f) =>
      f.endsWith('.png'),
    )
    expect(frames).toHaveLength(8)
    for (const frame of frames) {
      const p = await readImageProvenance(
        await readFile(path.join(workspace, 'out/keyframes', frame)),
      )
      expect(p?.digital_source_type, frame).toBe('compositeWithTrainedAlgorithmicMedia')
      expect(p?.stage, frame).toBe('keyframes')
      expect(p?.model, frame).toBe('seedream-4')
      expect(p?.prompt?.length, frame).toBeGreaterThan(20)
      expect(typeof p?.seed, frame).toBe('number')
    }
    expect((await verifyTelemetry(path.join(workspace, 'out'))).problems).toEqual([])
  })
})
