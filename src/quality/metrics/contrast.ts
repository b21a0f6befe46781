import { histogramMoments } from '../pixels.js'
import type { MetricResult } from '../types.js'
import { rampUp, round } from './score-map.js'

/** RMS contrast at or below which the contrast score is 0, and at or above which it is 1. */
export const CONTRAST_RANGE = { zero: 0.03, one: 0.1 } as const

/**
 * Contrast as RMS contrast.
 *
 * Formula: `C = σ(Y' / 255)`, the standard deviation of the BT.601 luma normalised to 0–1
 * (E. Peli, "Contrast in complex images", J. Opt. Soc. Am. A 7(10), 1990; the RMS contrast of
 * images in the normalised-intensity form). Range 0–0.5. Normal photographs lie around
 * 0.15–0.30; a washed-out or foggy-grey render below 0.06. Score: 0 at or below
 * {@link CONTRAST_RANGE}.zero, 1 at or above .one, linear between.
 */
export function measureContrast(histogram: Uint32Array): MetricResult {
  const unit = 'RMS contrast: stdev of luma / 255 (0–0.5)'
  const { count, stdev } = histogramMoments(histogram)
  if (count === 0) {
    return { value: null, unit, score: null, method: 'not measured: the image has no pixels.' }
  }
  const rms = stdev / 255
  return {
    value: round(rms),
    unit,
    score: round(rampUp(rms, CONTRAST_RANGE.zero, CONTRAST_RANGE.one)),
    method:
      'RMS contrast (Peli 1990): standard deviation of the BT.601 luma / 255; score 0 at ≤ ' +
      `${CONTRAST_RANGE.zero}, 1 at ≥ ${CONTRAST_RANGE.one}, linear between.`,
  }
}
