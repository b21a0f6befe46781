import type { MetricResult } from '../types.js'
import { rampUp, round } from './score-map.js'

/** Entropy in bits at or below which the entropy score is 0, and at or above which it is 1. */
export const ENTROPY_RANGE = { zero: 1, one: 4 } as const

/**
 * Information content as the Shannon entropy of the luma histogram.
 *
 * Formula: `H = −Σ p_k log2 p_k` over the 256 luma levels, `p_k` the share of pixels at level
 * `k` (C. E. Shannon, "A Mathematical Theory of Communication", 1948; the first-order image
 * entropy of Gonzalez & Woods, Digital Image Processing). Range 0–8 bits. Photographs lie around
 * 6.5–7.8 bits, flat-colour illustrations around 4–6, a flat or two-colour image near 0–1.
 * Score: 0 at or below {@link ENTROPY_RANGE}.zero bits, 1 at or above .one, linear between:
 * low enough that flat-shaded illustrations are not penalised.
 */
export function measureEntropy(histogram: Uint32Array): MetricResult {
  const unit = 'bits (0–8)'
  let total = 0
  for (let level = 0; level < 256; level++) total += histogram[level]!
  if (total === 0) {
    return { value: null, unit, score: null, method: 'not measured: the image has no pixels.' }
  }
  let entropy = 0
  for (let level = 0; level < 256; level++) {
    const c = histogram[level]!
    if (c === 0) continue
    const p = c / total
    entropy -= p * Math.log2(p)
  }
  return {
    value: round(entropy),
    unit,
    score: round(rampUp(entropy, ENTROPY_RANGE.zero, ENTROPY_RANGE.one)),
    method:
      'Shannon entropy −Σ p log2 p of the 256-bin BT.601 luma histogram; score 0 at ≤ ' +
      `${ENTROPY_RANGE.zero} bits, 1 at ≥ ${ENTROPY_RANGE.one} bits, linear between.`,
  }
}
