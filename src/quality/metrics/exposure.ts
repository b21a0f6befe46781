import { histogramMoments } from '../pixels.js'
import type { MetricResult } from '../types.js'
import { plateau, rampDown, round } from './score-map.js'

/**
 * Mean-luma break points of the exposure score: 0 at or below `zeroLow`, 1 from `oneLow` to
 * `oneHigh`, 0 at or above `zeroHigh` (see CALIBRATION.md).
 */
export const EXPOSURE_BAND = { zeroLow: 12, oneLow: 50, oneHigh: 185, zeroHigh: 230 } as const

/** Luma levels counted as clipped: at most `low` (crushed shadows) or at least `high` (blown highlights). */
export const CLIP_LEVELS = { low: 2, high: 253 } as const
/** Clipped share at or below which the clipping score is 1, and at or above which it is 0. */
export const CLIP_SHARE = { one: 0.05, zero: 0.4 } as const

/**
 * Exposure as the mean luma of the image.
 *
 * Formula: `μ = Σ Y' / N` over the BT.601 luma `Y' = 0.299 R' + 0.587 G' + 0.114 B'` of the
 * gamma-encoded sRGB values (ITU-R BT.601; the luma of JPEG/JFIF). Range 0–255. Mid-grey in
 * the encoded domain is about 118 (18 % reflectance); normal photographs average roughly
 * 80–170. Score: a plateau of 1 for μ in [{@link EXPOSURE_BAND}.oneLow, .oneHigh], falling
 * linearly to 0 at .zeroLow (under-exposed) and .zeroHigh (over-exposed).
 */
export function measureExposure(histogram: Uint32Array): MetricResult {
  const { count, mean } = histogramMoments(histogram)
  const { zeroLow, oneLow, oneHigh, zeroHigh } = EXPOSURE_BAND
  if (count === 0) return notMeasured('mean luma 0–255 (BT.601)')
  return {
    value: round(mean, 2),
    unit: 'mean luma 0–255 (BT.601)',
    score: round(plateau(mean, zeroLow, oneLow, oneHigh, zeroHigh)),
    method:
      "mean of the BT.601 luma Y' = 0.299R' + 0.587G' + 0.114B' over all pixels; score 1 for " +
      `${oneLow} ≤ mean ≤ ${oneHigh}, linear to 0 at ${zeroLow} (under-exposed) and ` +
      `${zeroHigh} (over-exposed).`,
  }
}

/**
 * Clipping as the share of pixels whose luma is at the ends of the range.
 *
 * Formula: `(#{Y' ≤ 2} + #{Y' ≥ 253}) / N` (crushed shadows plus blown highlights; the usual
 * "clipping warning" of raw converters and histogram tools, with a 2-level margin so that
 * dithering and compression noise around 0 and 255 count as clipped). Range 0–1. Score: 1 at
 * or below {@link CLIP_SHARE}.one, 0 at or above .zero, linear between.
 */
export function measureClipping(histogram: Uint32Array): MetricResult {
  const unit = 'share of pixels with luma ≤ 2 or ≥ 253 (0–1)'
  let total = 0
  let clipped = 0
  for (let level = 0; level < 256; level++) {
    const c = histogram[level]!
    total += c
    if (level <= CLIP_LEVELS.low || level >= CLIP_LEVELS.high) clipped += c
  }
  if (total === 0) return notMeasured(unit)
  const share = clipped / total
  return {
    value: round(share),
    unit,
    score: round(rampDown(share, CLIP_SHARE.one, CLIP_SHARE.zero)),
    method:
      `share of pixels with BT.601 luma ≤ ${CLIP_LEVELS.low} or ≥ ${CLIP_LEVELS.high}; score 1 ` +
      `at ≤ ${CLIP_SHARE.one}, 0 at ≥ ${CLIP_SHARE.zero}, linear between.`,
  }
}

/** The dark or bright share of clipped pixels, for the flags (`underexposed` / `overexposed`). */
export function clippedShares(histogram: Uint32Array): { dark: number; bright: number } {
  let total = 0
  let dark = 0
  let bright = 0
  for (let level = 0; level < 256; level++) {
    const c = histogram[level]!
    total += c
    if (level <= CLIP_LEVELS.low) dark += c
    if (level >= CLIP_LEVELS.high) bright += c
  }
  return total === 0 ? { dark: 0, bright: 0 } : { dark: dark / total, bright: bright / total }
}

function notMeasured(unit: string): MetricResult {
  return { value: null, unit, score: null, method: 'not measured: the image has no pixels.' }
}
