import { mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.js'
import { MINILM_L6_V2 } from '../../../src/models/cpu/catalog.js'
import type { TextSchema as LlmJsonSchema } from '../../../src/providers/text/provider.js'
import { parseKeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import { runKeyframes } from '../../../src/stages/keyframes/run.js'
import { STORY_THEMES } from '../../../src/stages/keyframes/story-figures.js'
import { cpuTextEmbedder } from '../../../src/stages/keyframes/story-figures-embedder.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, TEST_RETRY_POLICY } from '../../integration/keyframes/helpers.js'
import {
  axisWords,
  closedPortUrl,
  fakeHub,
  tinyCatalogEntry,
  tinyMiniLmFiles,
} from '../../unit/cpu-models/tiny-models.js'

/** Three stories whose twelve parts are the twelve theme words: entropy log2(12) bits. */
const story = (i: number) => ({
  title: `Story ${i}`,
  narrative: STORY_THEMES[i * 4] as string,
  tone: 'calm',
  visualStyle: 'soft light',
  keyMoments: STORY_THEMES.slice(i * 4 + 1, i * 4 + 4) as string[],
})

describe('keyframes report: story entropy and per-segment alignment (tiny embedding model, real pipeline)', () => {
  const files = tinyMiniLmFiles(axisWords([...STORY_THEMES]))
  const model = tinyCatalogEntry(MINILM_L6_V2, files)
  let ws: string
  let cacheDir: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-kf-figures-')
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-kf-models-'))
    const hub = await fakeHub(model, files)
    await cpuTextEmbedder(
      model,
      { cacheDir, hubUrl: hub.url, offline: false },
      { logger: silentLogger },
    )
    await hub.close()
  })
  afterAll(async () => {
    await removeDir(ws)
    rmSync(cacheDir, { recursive: true, force: true })
  })

  it('keyframes.json holds entropy and alignment with targets and method; offline from the filled cache', async () => {
    const photos = await productPhotos(ws)
    const complete = (schema: LlmJsonSchema): Promise<unknown> => {
      if (schema.name === 'keyframe_stories')
        return Promise.resolve({ stories: [story(0), story(1), story(2)] })
      if (schema.name === 'keyframe_storyboard') {
        return Promise.resolve({
          segments: [
            { type: 'hook', description: 'family', duration: 5 },
            { type: 'body', description: 'adventure', duration: 5 },
            { type: 'cta', description: 'family adventure', duration: 4 },
          ],
        })
      }
      return Promise.resolve({ composition: 'A detailed shot of the product.' })
    }
    const context = testContext(ws, {
      retryPolicy: TEST_RETRY_POLICY,
      env: { HF_HUB_OFFLINE: '1', HF_ENDPOINT: await closedPortUrl() },
    })
    const result = await runKeyframes(
      {
        ...parseKeyframesInputs({
          'folder-name': 'kf',
          concept: 'family adventure',
          'segment-count': '3',
          'product-images': photos.join(','),
          'story-model': 'llm',
          'enhancer-model': 'llm',
          'keyframe-model': 'preview',
          'model-cache-dir': cacheDir,
        }),
        cpuModelCatalog: [model],
      },
      context,
      {
        llm: {
          complete,
          model: { alias: 'qwen-test', provider: 'lmstudio', server: 'http://127.0.0.1:1234' },
        },
      },
    )
    const file = JSON.parse(await readFile(path.join(ws, 'kf', 'keyframes.json'), 'utf8'))
    const figures = file.storyFigures
    expect(result.keyframes.storyFigures).toEqual(figures)
    expect(figures.method).toMatch(
      /^sentence embeddings of all-minilm-l6-v2 \(kamui-tests\/tiny-all-minilm-l6-v2@0123456\) on the CPU/,
    )
    expect(figures.model).toEqual({ id: model.id, revision: model.revision })
    expect(figures.entropy).toMatchObject({
      parts: 12,
      stories: 3,
      target: 2,
      meets: true,
      reason: null,
    })
    expect(figures.entropy.bits).toBeCloseTo(Math.log2(12), 3)
    expect(Object.values(figures.entropy.themes)).toEqual(new Array(12).fill(1))
    expect(figures.entropy.method).toMatch(/Shannon entropy of the theme histogram, bits/)
    expect(figures.alignment.segments).toEqual([
      { index: 1, label: 'Hook', cosine: 0.7071 },
      { index: 2, label: 'Body 1', cosine: 0.7071 },
      { index: 3, label: 'CTA', cosine: 1 },
    ])
    expect(figures.alignment).toMatchObject({
      target: 0.75,
      meets: true,
      min: 0.7071,
      reason: null,
    })
    expect(figures.alignment.mean).toBeCloseTo(0.8047, 3)
    expect(figures.alignment.method).toMatch(
      /^cosine similarity of the embeddings of the concept and each segment/,
    )
  })
})
