import sharp from 'sharp'
import { beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { BLANK_SHARE, measureBlank } from '../../../src/quality/metrics/blank.js'
import {
  blockiness,
  measureCompressionArtefacts,
} from '../../../src/quality/metrics/compression-artefacts.js'
import { measureContrast } from '../../../src/quality/metrics/contrast.js'
import { measureEntropy } from '../../../src/quality/metrics/entropy.js'
import { measureClipping, measureExposure } from '../../../src/quality/metrics/exposure.js'
import { isUndersized, measureResolution } from '../../../src/quality/metrics/resolution.js'
import { plateau, rampDown, rampUp } from '../../../src/quality/metrics/score-map.js'
import { blurEstimate, measureSharpness } from '../../../src/quality/metrics/sharpness.js'
import {
  ANALYSIS_MAX_SIDE,
  decodePixels,
  lumaFromRgb,
  lumaHistogram,
  type LumaPlane,
} from '../../../src/quality/pixels.js'
import { assessTechnical } from '../../../src/quality/technical.js'
import type { MetricResult } from '../../../src/quality/types.js'
import { flat, jpegRoundTrip, preview, syntheticLandscape } from './calibration-images.js'

const REQUEST = { width: 1024, height: 1024 }

let base: Buffer
let landscape: Buffer

beforeAll(async () => {
  base = preview(0)
  landscape = await syntheticLandscape()
})

async function metrics(png: Buffer) {
  return (await assessTechnical(png, REQUEST)).metrics
}

function score(result: MetricResult): number {
  expect(result.score).not.toBeNull()
  return result.score as number
}

describe('score maps', () => {
  it('are piecewise linear and clamped to 0–1', () => {
    expect(rampUp(0, 1, 3)).toBe(0)
    expect(rampUp(2, 1, 3)).toBe(0.5)
    expect(rampUp(9, 1, 3)).toBe(1)
    expect(rampDown(2, 1, 3)).toBe(0.5)
    expect(plateau(100, 10, 50, 150, 250)).toBe(1)
    expect(plateau(30, 10, 50, 150, 250)).toBe(0.5)
    expect(plateau(200, 10, 50, 150, 250)).toBe(0.5)
    expect(plateau(255, 10, 50, 150, 250)).toBe(0)
  })
})

describe('decodePixels', () => {
  it('computes BT.601 luma of pure colours', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0])
    expect([...lumaFromRgb(rgb)]).toEqual([76, 150, 29, 255, 0])
  })

  it('reads greyscale, 16-bit and transparent images as 8-bit RGB', async () => {
    const grey = await sharp({
      create: { width: 20, height: 10, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .greyscale()
      .png()
      .toBuffer()
    const deep = await sharp({
      create: { width: 20, height: 10, channels: 3, background: { r: 200, g: 100, b: 50 } },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer()
    const clear = await sharp({
      create: {
        width: 20,
        height: 10,
        channels: 4,
        background: { r: 255, g: 255, b: 255, alpha: 0 },
      },
    })
      .png()
      .toBuffer()
    for (const [png, luma] of [
      [grey, 90],
      [deep, 124],
      [clear, 0],
    ] as const) {
      const { full, histogram } = await decodePixels(png)
      expect(full.rgb.length).toBe(20 * 10 * 3)
      expect(full.luma[0]).toBeCloseTo(luma, -0.5)
      expect(histogram.reduce((a, b) => a + b, 0)).toBe(200)
    }
  })

  it('downscales the analysis plane of large images only', async () => {
    const big = await sharp(base).resize(2048, 1024, { fit: 'fill' }).png().toBuffer()
    const decoded = await decodePixels(big)
    expect(decoded.full).toMatchObject({ width: 2048, height: 1024 })
    expect(decoded.analysis).toMatchObject({ width: ANALYSIS_MAX_SIDE, height: 512 })
    expect(decoded.analysis.luma.length).toBe(ANALYSIS_MAX_SIDE * 512)
    const small = await decodePixels(base)
    expect(small.analysis.luma).toBe(small.full.luma)
  })

  it('refuses bytes that are not an image with GEN_002', async () => {
    const error = await decodePixels(new TextEncoder().encode('<html>nope</html>')).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('GEN_002')
  })
})

describe('resolution', () => {
  it('scores a 512×512 result for a 1024×1024 request 0.25 and flags it undersized', async () => {
    const small = await assessTechnical(preview(0, 512, 512), REQUEST)
    const full = await assessTechnical(base, REQUEST)
    expect(small.metrics.resolution.value).toBe(0.25)
    expect(small.metrics.resolution.score).toBe(0.25)
    expect(small.flags).toContain('undersized')
    expect(full.metrics.resolution.score).toBe(1)
    expect(full.flags).not.toContain('undersized')
    expect(small.technicalScore).toBeLessThan(full.technicalScore - 0.4)
  })

  it('is 1 at or above the requested size and proportional below it', () => {
    expect(measureResolution({ width: 2048, height: 2048 }, REQUEST).score).toBe(1)
    expect(measureResolution({ width: 1024, height: 768 }, REQUEST).score).toBe(0.75)
    expect(
      measureResolution({ width: 1344, height: 768 }, { width: 1344, height: 768 }).score,
    ).toBe(1)
    expect(isUndersized({ width: 1024, height: 1000 }, REQUEST)).toBe(true)
    expect(isUndersized({ width: 1536, height: 1024 }, REQUEST)).toBe(false)
    const invalid = measureResolution({ width: 10, height: 10 }, { width: 0, height: 10 })
    expect(invalid).toMatchObject({ value: null, score: null })
    expect(invalid.method).toMatch(/^not measured/)
  })
})

describe('sharpness', () => {
  it('scores a sharp image higher than its blurred copies, monotonically in the blur', async () => {
    for (const png of [base, landscape]) {
      const scores: number[] = []
      const blurs: number[] = []
      for (const sigma of [0, 1.5, 3, 8]) {
        const copy = sigma === 0 ? png : await sharp(png).blur(sigma).png().toBuffer()
        const m = (await metrics(copy)).sharpness
        scores.push(score(m))
        blurs.push(m.value as number)
      }
      expect(scores[0]).toBe(1)
      expect(scores[3]).toBe(0)
      expect(scores[0]).toBeGreaterThan(scores[2]!)
      for (let i = 1; i < blurs.length; i++) expect(blurs[i]).toBeGreaterThan(blurs[i - 1]!)
    }
  })

  it('flags the blurred copy', async () => {
    const blurred = await assessTechnical(await sharp(base).blur(8).png().toBuffer(), REQUEST)
    expect(blurred.flags).toContain('blurry')
    expect((await assessTechnical(base, REQUEST)).flags).not.toContain('blurry')
  })

  it('is not measured on a flat plane, and names its formula and source', () => {
    const plane: LumaPlane = { width: 32, height: 32, luma: new Uint8Array(32 * 32).fill(77) }
    expect(blurEstimate(plane)).toBeNull()
    const m = measureSharpness(plane)
    expect(m).toMatchObject({ value: null, score: null })
    expect(m.method).toMatch(/^not measured/)
    const edge = new Uint8Array(32 * 32).map((_, i) => (i % 32 < 16 ? 20 : 220))
    const sharpEdge = measureSharpness({ width: 32, height: 32, luma: edge })
    expect(sharpEdge.score).toBe(1)
    expect(sharpEdge.method).toContain('Crété-Roffet')
  })
})

describe('exposure and clipping', () => {
  it('scores an over-exposed copy lower, with more clipping, and flags it', async () => {
    const normal = await assessTechnical(base, REQUEST)
    const over = await assessTechnical(await sharp(base).linear(1.8, 80).png().toBuffer(), REQUEST)
    expect(score(over.metrics.exposure)).toBeLessThan(score(normal.metrics.exposure))
    expect(over.metrics.exposure.value as number).toBeGreaterThan(200)
    expect(score(over.metrics.clipping)).toBeLessThan(score(normal.metrics.clipping))
    expect(over.flags).toContain('overexposed')
    expect(normal.flags).toEqual([])
  })

  it('scores an under-exposed copy lower and flags it', async () => {
    const dark = await assessTechnical(await sharp(base).linear(0.2, 0).png().toBuffer(), REQUEST)
    expect(score(dark.metrics.exposure)).toBeLessThan(0.5)
    expect(dark.flags).toContain('underexposed')
  })

  it('measures mean luma and the share of pixels at ≤ 2 or ≥ 253', () => {
    const luma = new Uint8Array(100)
    luma.fill(0, 0, 10)
    luma.fill(255, 10, 30)
    luma.fill(128, 30)
    const histogram = lumaHistogram(luma)
    expect(measureClipping(histogram).value).toBe(0.3)
    expect(measureExposure(histogram).value).toBeCloseTo((20 * 255 + 70 * 128) / 100, 2)
    expect(measureExposure(histogram).method).toContain('BT.601')
  })
})

describe('contrast and entropy', () => {
  it('score a washed-out copy lower on contrast and flag it', async () => {
    const normal = await metrics(base)
    const washed = await assessTechnical(
      await sharp(base).linear(0.25, 140).png().toBuffer(),
      REQUEST,
    )
    expect(score(washed.metrics.contrast)).toBeLessThan(score(normal.contrast))
    expect(washed.flags).toContain('low_contrast')
  })

  it('measure RMS contrast and Shannon entropy of the histogram', () => {
    const half = new Uint8Array(1000).map((_, i) => (i < 500 ? 0 : 255))
    const histogram = lumaHistogram(half)
    expect(measureContrast(histogram).value).toBe(0.5)
    expect(measureEntropy(histogram).value).toBe(1)
    const uniform = lumaHistogram(new Uint8Array(256 * 4).map((_, i) => i % 256))
    expect(measureEntropy(uniform).value).toBe(8)
    expect(measureEntropy(uniform).method).toContain('Shannon')
    expect(measureContrast(histogram).method).toContain('Peli')
  })
})

describe('blank detection', () => {
  it.each([
    ['flat grey', { r: 128, g: 128, b: 128 }, 0],
    ['black', { r: 0, g: 0, b: 0 }, 0],
    ['white', { r: 255, g: 255, b: 255 }, 0],
    ['single colour', { r: 210, g: 60, b: 90 }, 0],
    ['grey with noise', { r: 128, g: 128, b: 128 }, 3],
    ['dark noise', { r: 6, g: 6, b: 6 }, 2],
  ])('flags %s blank with technical score 0', async (_name, colour, sigma) => {
    const result = await assessTechnical(await flat(colour, sigma), REQUEST)
    expect(result.blank).toBe(true)
    expect(result.flags).toContain('blank')
    expect(result.technicalScore).toBe(0)
    expect(result.metrics.blank.score).toBe(0)
    expect(result.metrics.blank.value as number).toBeGreaterThanOrEqual(BLANK_SHARE)
  })

  it('does not flag normal, dark or washed-out images', async () => {
    for (const png of [
      base,
      landscape,
      await sharp(base).linear(0.2, 0).png().toBuffer(),
      await sharp(base).linear(0.25, 140).png().toBuffer(),
    ]) {
      const result = await assessTechnical(png, REQUEST)
      expect(result.blank).toBe(false)
      expect(result.metrics.blank.score).toBe(1)
    }
  })

  it('counts a small logo on a flat placeholder as blank', async () => {
    const placeholder = await sharp({
      create: { width: 400, height: 400, channels: 3, background: { r: 40, g: 40, b: 40 } },
    })
      .composite([
        {
          input: {
            create: { width: 60, height: 60, channels: 3, background: { r: 230, g: 230, b: 230 } },
          },
          left: 170,
          top: 170,
        },
      ])
      .png()
      .toBuffer()
    const decoded = await decodePixels(placeholder)
    const m = measureBlank(decoded.full)
    expect(m.value).toBeCloseTo(1 - (60 * 60) / (400 * 400), 3)
    expect(m.score).toBe(0)
    expect(m.method).toContain('rgb(40, 40, 40)')
  })
})

describe('compression artefacts', () => {
  it('scores JPEG quality 10 lower than quality 95 and flags it blocky', async () => {
    for (const png of [base, landscape]) {
      const q10 = await assessTechnical(await jpegRoundTrip(png, 10), REQUEST)
      const q95 = await assessTechnical(await jpegRoundTrip(png, 95), REQUEST)
      expect(q10.artefactScore).toBeLessThan(q95.artefactScore)
      expect(q10.artefactScore).toBeLessThan(0.2)
      expect(q95.artefactScore).toBeGreaterThan(0.9)
      expect(q10.metrics.compression_artefacts.value as number).toBeGreaterThan(3)
      expect(q10.flags).toContain('blocky')
      expect(q95.flags).not.toContain('blocky')
    }
  })

  it('orders JPEG qualities', async () => {
    const ratios: number[] = []
    for (const quality of [95, 75, 50, 30, 10]) {
      const decoded = await decodePixels(await jpegRoundTrip(base, quality))
      ratios.push(blockiness(decoded.full) as number)
    }
    for (let i = 1; i < ratios.length; i++) expect(ratios[i]).toBeGreaterThan(ratios[i - 1]!)
  })

  it('is about 1 without blocking, large on a block-constant image, null on tiny ones', () => {
    const w = 64
    const smooth = new Uint8Array(w * w).map((_, i) => (i % w) * 3 + Math.floor(i / w))
    expect(blockiness({ width: w, height: w, luma: smooth })).toBeCloseTo(1, 1)
    const blocks = new Uint8Array(w * w).map(
      (_, i) => ((((i % w) >> 3) + ((i / w) >> 3)) * 37) % 200,
    )
    expect(blockiness({ width: w, height: w, luma: blocks }) as number).toBeGreaterThan(10)
    const tiny = measureCompressionArtefacts({ width: 8, height: 8, luma: new Uint8Array(64) })
    expect(tiny).toMatchObject({ value: null, score: null })
    expect(measureCompressionArtefacts({ width: w, height: w, luma: smooth }).method).toContain(
      'Wu & Yuen',
    )
  })
})

describe('assessTechnical', () => {
  it('treats an image smaller than 16 px as a failed render', async () => {
    const tiny = await sharp(base).resize(12, 12).png().toBuffer()
    const result = await assessTechnical(tiny, REQUEST)
    expect(result).toMatchObject({ blank: true, technicalScore: 0, artefactScore: 0 })
    expect(result.flags).toEqual(['blank', 'too_small', 'undersized'])
    expect(result.metrics.compression_artefacts.score).toBeNull()
  })

  it('assesses a 1024×1024 image in well under 300 ms', async () => {
    await assessTechnical(base, REQUEST)
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      await assessTechnical(base, REQUEST)
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    expect(times[1]).toBeLessThan(300)
  })

  it('documents every metric with a unit and a method', async () => {
    const result = await assessTechnical(base, REQUEST)
    for (const m of Object.values(result.metrics)) {
      expect(m.unit).not.toBe('')
      expect(m.method.length).toBeGreaterThan(40)
      if (m.value === null) expect(m.score).toBeNull()
      if (m.score !== null) {
        expect(m.score).toBeGreaterThanOrEqual(0)
        expect(m.score).toBeLessThanOrEqual(1)
      }
    }
  })
})
