import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseKeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import { runKeyframes } from '../../../src/stages/keyframes/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, TEST_RETRY_POLICY } from '../../integration/keyframes/helpers.js'
import { tinyClipCache } from '../../helpers/tiny-clip.js'
import { closedPortUrl } from '../../unit/cpu-models/tiny-models.js'

describe('keyframes quality-scorer clip (tiny CLIP, real scorer code)', () => {
  let ws: string
  let clip: Awaited<ReturnType<typeof tinyClipCache>>
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-kf-clip-')
    clip = await tinyClipCache('kamui-kf-clip-cache-')
  })
  afterAll(async () => {
    await removeDir(ws)
    clip.remove()
  })

  async function run(scorer: string, folder: string) {
    const photos = await productPhotos(ws)
    const context = testContext(ws, {
      retryPolicy: TEST_RETRY_POLICY,
      env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: await closedPortUrl() },
    })
    await runKeyframes(
      {
        ...parseKeyframesInputs({
          'folder-name': folder,
          concept: 'A red ceramic mug',
          'segment-count': '3',
          'product-images': photos.join(','),
          'quality-scorer': scorer,
          'model-cache-dir': clip.cacheDir,
        }),
        cpuModelCatalog: [clip.model],
      },
      context,
    )
    return JSON.parse(await readFile(path.join(ws, folder, 'keyframes.json'), 'utf8'))
  }

  it('scores every generated frame against its render prompt, with model and revision in the source', async () => {
    const file = await run('clip', 'kf-clip')
    expect(file.notices.join(' ')).toMatch(
      /Frames are scored by CLIP \(kamui-tests\/tiny-clip-vit-base-patch32@0123456\) on the CPU/,
    )
    let scored = 0
    for (const segment of file.segments) {
      for (const frame of [segment.firstFrame, segment.lastFrame]) {
        if (frame.status !== 'generated') {
          expect(frame.quality).toBeUndefined()
          continue
        }
        scored++
        expect(frame.quality.alignment).toBeGreaterThanOrEqual(0)
        expect(frame.quality.alignment).toBeLessThanOrEqual(1)
        expect(frame.quality.aesthetic).toBeGreaterThan(0)
        expect(frame.quality.source).toMatch(
          /^clip kamui-tests\/tiny-clip-vit-base-patch32@0123456 on the CPU: alignment from CLIPScore/,
        )
      }
    }
    expect(scored).toBeGreaterThan(0)
  })

  it('none (the default) leaves the frames unscored', async () => {
    const file = await run('none', 'kf-none')
    expect(file.segments[0].firstFrame.quality).toBeUndefined()
  })
})
