import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLIP_VIT_B32 } from '../../../src/models/cpu/catalog.js'
import { ClipScorer } from '../../../src/quality/scorers/clip.js'
import { parseKeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import { runKeyframes } from '../../../src/stages/keyframes/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, TEST_RETRY_POLICY } from '../../integration/keyframes/helpers.js'
import {
  closedPortUrl,
  fakeHub,
  tinyCatalogEntry,
  tinyClipFiles,
} from '../../unit/cpu-models/tiny-models.js'

const WORDS = {
  words: ['red', 'green', 'blue', 'good', 'bad', 'photo', '.'],
  vectors: [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 0],
    [0, 0, 0],
  ],
  dim: 3,
}

describe('keyframes quality-scorer clip (tiny CLIP, real scorer code)', () => {
  const files = tinyClipFiles(WORDS)
  const model = tinyCatalogEntry(CLIP_VIT_B32, files)
  let ws: string
  let cacheDir: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-kf-clip-')
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-kf-clip-cache-'))
    const hub = await fakeHub(model, files)
    await new ClipScorer({ cacheDir, hubUrl: hub.url, offline: false }, undefined, model).prepare()
    await hub.close()
  })
  afterAll(async () => {
    await removeDir(ws)
    rmSync(cacheDir, { recursive: true, force: true })
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
          'model-cache-dir': cacheDir,
        }),
        cpuModelCatalog: [model],
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
