import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeRgbPng } from '../../../src/media/preview/png.js'
import { CLIP_VIT_B32 } from '../../../src/models/cpu/catalog.js'
import { modelDir } from '../../../src/models/cpu/cache.js'
import {
  alignmentFromClipScore,
  antonymScore,
  CLIP_IQA_PAIRS,
  ClipScorer,
} from '../../../src/quality/scorers/clip.js'
import { tinyClip } from '../../helpers/tiny-clip.js'
import { closedPortUrl, fakeHub } from './tiny-models.js'

const MEAN = [0.48145466, 0.4578275, 0.40821073]
const STD = [0.26862954, 0.26130258, 0.27577711]

function flat(r: number, g: number, b: number, w = 24, h = 20): Buffer {
  const data = new Uint8Array(w * h * 3)
  for (let i = 0; i < w * h; i++) data.set([r, g, b], i * 3)
  return encodeRgbPng({ width: w, height: h, data })
}

/** The tiny vision model's embedding of a flat colour: the normalised channels. */
function expectedImage(rgb: number[]): number[] {
  return rgb.map((v, c) => (v / 255 - (MEAN[c] as number)) / (STD[c] as number))
}
const cosWithAxis = (v: number[], axis: number): number => (v[axis] as number) / Math.hypot(...v)

describe('ClipScorer (tiny CLIP with the real interface: tokenizer, processor, two encoders)', () => {
  const { files, model } = tinyClip()
  let cacheDir: string
  let hub: Awaited<ReturnType<typeof fakeHub>>
  beforeAll(async () => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-clip-'))
    hub = await fakeHub(model, files)
  })
  afterAll(async () => {
    await hub.close()
    rmSync(cacheDir, { recursive: true, force: true })
  })

  it('CLIPScore = 2.5·max(cos, 0) of the normalised embeddings, calibrated; CLIP-IQA antonym softmax', async () => {
    const scorer = new ClipScorer({ cacheDir, hubUrl: hub.url, offline: false }, undefined, model)
    const red = await scorer.measure(flat(255, 0, 0), 'red')
    const expectedCos = cosWithAxis(expectedImage([255, 0, 0]), 0)
    expect(red.cosine).toBeCloseTo(expectedCos, 4)
    expect(red.clipScore).toBeCloseTo(2.5 * expectedCos, 4)
    expect(red.alignment).toBeCloseTo(alignmentFromClipScore(2.5 * expectedCos), 4)
    // An unrelated prompt: negative cosine, CLIPScore 0, alignment 0.
    const blueText = await scorer.measure(flat(255, 0, 0), 'blue')
    expect(blueText.cosine).toBeCloseTo(cosWithAxis(expectedImage([255, 0, 0]), 2), 4)
    expect(blueText.cosine).toBeLessThan(0)
    expect(blueText.clipScore).toBe(0)
    expect(blueText.alignment).toBe(0)
    // "Good photo." points at red, "Bad photo." at blue; the other pairs are unknown words (0.5 each).
    expect(red.pairs).toHaveLength(CLIP_IQA_PAIRS.length)
    const image = expectedImage([255, 0, 0])
    expect(red.pairs[0]).toBeCloseTo(antonymScore(cosWithAxis(image, 0), cosWithAxis(image, 2)), 6)
    expect(red.pairs[0]).toBeGreaterThan(0.99)
    expect(red.pairs.slice(1)).toEqual([0.5, 0.5, 0.5])
    expect(red.aesthetic).toBeCloseTo((red.pairs[0] as number) / 4 + 0.375, 6)
    const blue = await scorer.measure(flat(0, 0, 255), 'blue')
    expect(blue.pairs[0]).toBeLessThan(0.01)
    expect(blue.aesthetic).toBeLessThan(red.aesthetic)

    const result = await scorer.score({
      png: flat(255, 0, 0),
      prompt: 'red',
      signal: new AbortController().signal,
    })
    expect(result.alignment).toBeCloseTo(red.alignment, 6)
    expect(result.source).toMatch(
      new RegExp(
        `^clip ${model.id}@0123456 on the CPU: alignment from CLIPScore \\d\\.\\d{3} = 2\\.5·max\\(cos 0\\.\\d{4}, 0\\)`,
      ),
    )
    expect(result.source).toMatch(
      /; CPU: inference \d+ ms, model load \d+ ms, download \d+ ms, peak RSS [1-9]\d* MiB$/,
    )
    expect(red.inferenceMs).toBeGreaterThanOrEqual(0)
  })

  it('a grey PNG with alpha is scored as RGB (three channels reach the image processor)', async () => {
    const { PNG } = await import('pngjs')
    const grey = new PNG({ width: 20, height: 20, colorType: 4 })
    grey.data.fill(200)
    const png = PNG.sync.write(grey, { colorType: 4 })
    const scorer = new ClipScorer({ cacheDir, hubUrl: hub.url, offline: false }, undefined, model)
    const m = await scorer.measure(png, 'red')
    expect(m.cosine).toBeCloseTo(cosWithAxis(expectedImage([200, 200, 200]), 0), 2)
  })

  it('the calibration: CLIPScore 0.5 or less is 0, 0.85 or more is 1, linear between', () => {
    expect(alignmentFromClipScore(0)).toBe(0)
    expect(alignmentFromClipScore(0.5)).toBe(0)
    expect(alignmentFromClipScore(0.675)).toBeCloseTo(0.5, 6)
    expect(alignmentFromClipScore(0.85)).toBe(1)
    expect(alignmentFromClipScore(2.5)).toBe(1)
  })

  it('empty cache and no network: QA_001 naming the model, the cache folder and how to fill it; nothing left', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'kamui-clip-empty-'))
    try {
      const scorer = new ClipScorer({
        cacheDir: empty,
        hubUrl: await closedPortUrl(),
        offline: false,
      })
      await expect(scorer.prepare()).rejects.toThrow(
        /^QA_001: clip-vit-base-patch32 \(Xenova\/clip-vit-base-patch32@d15189d\) is not in the model cache .* could not be downloaded .*ECONNREFUSED.*npm run check:models/,
      )
      expect(readdirSync(empty)).toEqual([])
      expect(modelDir(empty, CLIP_VIT_B32)).toContain(path.join('Xenova', 'clip-vit-base-patch32'))
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
