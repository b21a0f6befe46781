import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { tinyClipCache } from '../../helpers/tiny-clip.js'
import { closedPortUrl } from '../../unit/cpu-models/tiny-models.js'

describe('quality-scorer: clip in the image stage (tiny CLIP, real scorer code)', () => {
  // The tiny CLIP knows only colour words: the prompts below have none (alignment 0).
  let clip: Awaited<ReturnType<typeof tinyClipCache>>
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-clip-stage-')
    // Fill the cache once from a stand-in Hub; the runs below are offline.
    clip = await tinyClipCache('kamui-clip-cache-')
  })
  afterAll(async () => {
    await removeDir(ws)
    clip.remove()
  })

  async function run(scorer: string, folder: string) {
    const inputs = {
      ...parseV2Inputs({
        'image-prompt': 'A quiet harbour at dawn',
        'folder-name': folder,
        models: 'imagen4-fast,flux-schnell',
        'image-count': '2',
        'image-size': '256x256',
        'generation-strategy': 'smart',
        'quality-threshold': '0.7',
        'quality-scorer': scorer,
        'model-cache-dir': clip.cacheDir,
        seed: '5',
      }),
      cpuModelCatalog: [clip.model],
    }
    const context = testContext(ws, {
      env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: await closedPortUrl() },
    })
    return { result: await runImageGeneration(inputs, context), context }
  }

  it('puts CLIP alignment and aesthetics in the report with their source, and smart regenerates on them', async () => {
    const { result } = await run('clip', 'clip')
    const report = result.report
    expect(report.notices.join(' ')).toMatch(
      /scored by CLIP \(kamui-tests\/tiny-clip-vit-base-patch32@0123456\) on the CPU/,
    )
    for (const image of report.images) {
      const q = image.quality
      expect(q?.alignment).toMatchObject({ score: 0, reason: null })
      expect(q?.alignment.source).toMatch(
        /^clip kamui-tests\/tiny-clip-vit-base-patch32@0123456 on the CPU: alignment from CLIPScore 0\.000 = 2\.5·max\(cos 0\.0000, 0\)/,
      )
      expect(q?.aesthetic.score).toBeGreaterThan(0)
      expect(q?.aesthetic.source).toMatch(/CLIP-IQA mean of 4 antonym pairs/)
      expect(q?.applied_weights['alignment']).toBe(0.4)
      // Alignment 0 pulls every overall score under the threshold: each slot is up for regeneration.
      expect(image.regeneration).not.toBeNull()
    }
    // smart regenerates within its budget: at least one image was made again with the other model.
    const regenerated = report.images.filter((i) => i.regeneration?.outcome === 'regenerated')
    expect(regenerated.length).toBeGreaterThan(0)
    for (const image of regenerated) {
      expect(image.regeneration?.reason).toMatch(/^score 0\.\d\d below quality-threshold 0\.7/)
      expect(image.candidates.length).toBe(2)
    }
  })

  it('the same run with quality-scorer none: pixel metrics only, nothing regenerated', async () => {
    const { result } = await run('none', 'pixels')
    for (const image of result.report.images) {
      expect(image.quality?.alignment.score).toBeNull()
      expect(image.candidates.length).toBe(1)
      expect(image.regeneration?.outcome ?? 'none').not.toBe('regenerated')
    }
  })

  it('auto picks CLIP when its model is in the cache, and says so', async () => {
    const { result } = await run('auto', 'auto')
    expect(result.report.notices.join(' ')).toMatch(
      /scored by CLIP .*\(quality-scorer auto: no vision model or scoring tool configured\)/,
    )
    expect(result.report.images[0]?.quality?.alignment.source).toMatch(/^clip /)
  })

  it('auto with an empty cache and no network: pixel metrics only, and the report says why', async () => {
    const inputs = {
      ...parseV2Inputs({
        'image-prompt': 'A quiet harbour at dawn',
        'folder-name': 'auto-empty',
        'image-size': '256x256',
        'model-cache-dir': 'empty-cache',
        seed: '5',
      }),
    }
    const context = testContext(ws, { env: { HF_ENDPOINT: await closedPortUrl() } })
    const result = await runImageGeneration(inputs, context)
    expect(result.report.notices.join(' ')).toMatch(
      /not measured \(quality-scorer auto: no vision model or scoring tool configured, and CLIP could not be had: QA_001: clip-vit-base-patch32 .*ECONNREFUSED/,
    )
    expect(result.report.images[0]?.quality?.alignment.score).toBeNull()
  })

  it('clip asked for by name with an empty cache and no network fails fast with QA_001', async () => {
    const inputs = parseV2Inputs({
      'image-prompt': 'A quiet harbour at dawn',
      'folder-name': 'clip-empty',
      'image-size': '256x256',
      'quality-scorer': 'clip',
      'model-cache-dir': 'empty-cache-2',
    })
    const context = testContext(ws, { env: { HF_ENDPOINT: await closedPortUrl() } })
    await expect(runImageGeneration(inputs, context)).rejects.toThrow(
      /QA_001: clip-vit-base-patch32 \(Xenova\/clip-vit-base-patch32@d15189d\) is not in the model cache .*empty-cache-2 .*npm run check:models/,
    )
  })
})
