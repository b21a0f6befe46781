import type { Pixels } from '../pixels.js'
import type { MetricResult } from '../types.js'
import { round } from './score-map.js'

/** Share of pixels near the dominant colour at or above which an image is blank. */
export const BLANK_SHARE = 0.95
/** Per-channel distance (8-bit levels) from the dominant colour within which a pixel counts as it. */
export const BLANK_TOLERANCE = 8

/**
 * Blank or failed-render detection: flat, black, white or single-colour images, which hosted
 * models return when a safety filter fires or a render fails.
 *
 * Formula: the dominant-colour share. The RGB cube is split into 16×16×16 bins (4 bits per
 * channel); the fullest bin's mean colour `c` is the dominant colour, and the share is
 * `#{pixels with |R − c_R|, |G − c_G|, |B − c_B| ≤ 8} / N`. It covers the near-zero-deviation
 * test (a flat image with noise or dithering has every pixel within a few levels of its mean)
 * and the single-colour test (one colour, however bright) in one number. The centre is moved once
 * to the mean of the pixels within the tolerance of the fullest bin's mean (one mean-shift step),
 * so that a flat colour with noise that straddles a bin edge is counted whole.
 * Range 0–1. The image is blank when the share is at least {@link BLANK_SHARE} (a small logo or
 * a "content blocked" caption on a flat placeholder still counts). Source: the binned colour
 * histogram of M. J. Swain and D. H. Ballard, "Color Indexing", IJCV 7(1), 1991; the tolerance
 * and threshold are this project's calibration (CALIBRATION.md).
 *
 * Score: 0 when blank, 1 otherwise: blank is a gate (technical and overall score 0), not a
 * grade. Use {@link isBlank} to read it.
 */
export function measureBlank(pixels: Pixels): MetricResult {
  const unit = `share of pixels within ±${BLANK_TOLERANCE} levels of the dominant colour (0–1)`
  const { rgb } = pixels
  const n = Math.floor(rgb.length / 3)
  if (n === 0) {
    return {
      value: null,
      unit,
      score: 0,
      method: 'blank: the image has no pixels.',
    }
  }
  const counts = new Uint32Array(4096)
  const sums = new Float64Array(4096 * 3)
  for (let p = 0; p < rgb.length - 2; p += 3) {
    const r = rgb[p]!
    const g = rgb[p + 1]!
    const b = rgb[p + 2]!
    const bin = ((r >>> 4) << 8) | ((g >>> 4) << 4) | (b >>> 4)
    counts[bin]!++
    sums[bin * 3] = sums[bin * 3]! + r
    sums[bin * 3 + 1] = sums[bin * 3 + 1]! + g
    sums[bin * 3 + 2] = sums[bin * 3 + 2]! + b
  }
  let mode = 0
  for (let bin = 1; bin < 4096; bin++) if (counts[bin]! > counts[mode]!) mode = bin
  const k = counts[mode]!
  // The fullest bin's mean colour, then one mean-shift step: the mean of the pixels within the
  // tolerance of it, so that a flat colour with noise that straddles a bin edge is centred.
  let centre = [sums[mode * 3]! / k, sums[mode * 3 + 1]! / k, sums[mode * 3 + 2]! / k]
  centre = nearMean(rgb, centre).mean
  const { near, mean: colourMean } = nearMean(rgb, centre)
  const share = near / n
  const blank = share >= BLANK_SHARE
  const colour = `rgb(${colourMean.map((c) => Math.round(c)).join(', ')})`
  return {
    value: round(share),
    unit,
    score: blank ? 0 : 1,
    method:
      `dominant colour ${colour} (mean of the fullest 4-bit-per-channel RGB bin, one ` +
      `mean-shift step); share of ` +
      `pixels within ±${BLANK_TOLERANCE} levels of it on every channel; blank at ≥ ` +
      `${BLANK_SHARE}; score 0 when blank, 1 otherwise.`,
  }
}

/** Whether a {@link measureBlank} result says blank. */
export function isBlank(result: MetricResult): boolean {
  return result.score === 0
}

/** The number of pixels within {@link BLANK_TOLERANCE} of `centre` on every channel, and their mean. */
function nearMean(rgb: Uint8Array, centre: number[]): { near: number; mean: number[] } {
  const [cr = 0, cg = 0, cb = 0] = centre
  let near = 0
  let r = 0
  let g = 0
  let b = 0
  for (let p = 0; p < rgb.length - 2; p += 3) {
    const pr = rgb[p]!
    const pg = rgb[p + 1]!
    const pb = rgb[p + 2]!
    if (
      Math.abs(pr - cr) <= BLANK_TOLERANCE &&
      Math.abs(pg - cg) <= BLANK_TOLERANCE &&
      Math.abs(pb - cb) <= BLANK_TOLERANCE
    ) {
      near++
      r += pr
      g += pg
      b += pb
    }
  }
  return { near, mean: near === 0 ? centre : [r / near, g / near, b / near] }
}
