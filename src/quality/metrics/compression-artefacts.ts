import type { LumaPlane } from '../pixels.js'
import type { MetricResult } from '../types.js'
import { rampDown, round } from './score-map.js'

/** Blockiness ratio at or below which the artefact score is 1, and at or above which it is 0. */
export const BLOCKINESS_RANGE = { one: 1.3, zero: 3 } as const
/** The JPEG / MPEG transform block size. */
export const BLOCK = 8

const UNIT = 'blockiness ratio (1 = no blocking)'

/**
 * Compression artefacts as blockiness on the 8×8 JPEG grid.
 *
 * Formula: with `d` the absolute luma difference between horizontally (and, separately,
 * vertically) adjacent pixels, `D_edge` the mean of `d` across the block boundaries (between
 * pixel 8k−1 and 8k of a row or column) and `D_in` the mean of `d` at every other position,
 * blockiness `R = (D_edge + 0.5) / (D_in + 0.5)` (the 0.5 level keeps flat areas from
 * dividing by nothing). Without blocking a boundary is like any other position and `R ≈ 1`;
 * coarse quantisation of the DCT flattens the inside of blocks and leaves steps at their edges,
 * so `R` grows (JPEG quality 10 gives 2–4). This is the boundary-versus-inside comparison of the
 * generalized block-edge impairment metric (H. R. Wu and M. Yuen, IEEE Signal Processing
 * Letters 4(11), 1997), without its masking weights; Z. Wang, A. C. Bovik and B. L. Evans
 * ("Blind measurement of blocking artifacts in images", ICIP 2000) measure the same periodic
 * 1/8 structure in the spectrum of the difference signal. The grid is taken at the image origin,
 * where encoders put it; measured on the full-resolution luma (resampling would hide the grid).
 *
 * Range ≥ 0 (1 = none). Score: 1 at or below {@link BLOCKINESS_RANGE}.one, 0 at or above .zero,
 * linear between. Not measured (null) on images smaller than 2 blocks in both directions.
 */
export function measureCompressionArtefacts(plane: LumaPlane): MetricResult {
  const ratio = blockiness(plane)
  if (ratio === null) {
    return {
      value: null,
      unit: UNIT,
      score: null,
      method: `not measured: the image is smaller than ${2 * BLOCK}×${2 * BLOCK} pixels.`,
    }
  }
  return {
    value: round(ratio),
    unit: UNIT,
    score: round(rampDown(ratio, BLOCKINESS_RANGE.one, BLOCKINESS_RANGE.zero)),
    method:
      'blockiness on the 8×8 grid (Wu & Yuen 1997 GBIM idea, unweighted): (mean |ΔY| across ' +
      'block boundaries + 0.5) / (mean |ΔY| elsewhere + 0.5), rows and columns together, on the ' +
      `full-resolution BT.601 luma; score 1 at ≤ ${BLOCKINESS_RANGE.one}, 0 at ≥ ` +
      `${BLOCKINESS_RANGE.zero}, linear between.`,
  }
}

/** The blockiness ratio of a luma plane (see {@link measureCompressionArtefacts}), or null. */
export function blockiness(plane: LumaPlane): number | null {
  const { width: w, height: h, luma: f } = plane
  if (w < 2 * BLOCK || h < 2 * BLOCK) return null
  let edgeSum = 0
  let edgeCount = 0
  let innerSum = 0
  let innerCount = 0
  // Horizontal neighbours: the pair (x, x+1) straddles a boundary when x % 8 === 7.
  for (let y = 0; y < h; y++) {
    const row = y * w
    for (let x = 0; x < w - 1; x++) {
      const d = Math.abs(f[row + x + 1]! - f[row + x]!)
      if ((x & 7) === 7) {
        edgeSum += d
        edgeCount++
      } else {
        innerSum += d
        innerCount++
      }
    }
  }
  // Vertical neighbours: rows (y, y+1) straddle a boundary when y % 8 === 7.
  for (let y = 0; y < h - 1; y++) {
    const row = y * w
    const next = row + w
    const edge = (y & 7) === 7
    let sum = 0
    for (let x = 0; x < w; x++) sum += Math.abs(f[next + x]! - f[row + x]!)
    if (edge) {
      edgeSum += sum
      edgeCount += w
    } else {
      innerSum += sum
      innerCount += w
    }
  }
  return (edgeSum / edgeCount + 0.5) / (innerSum / innerCount + 0.5)
}
