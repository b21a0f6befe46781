import type { LumaPlane } from '../pixels.js'
import type { MetricResult } from '../types.js'
import { rampDown, round } from './score-map.js'

/** Blur estimate at or below which the sharpness score is 1 (see CALIBRATION.md). */
export const SHARP_BLUR = 0.55
/** Blur estimate at or above which the sharpness score is 0 (see CALIBRATION.md). */
export const BLURRED_BLUR = 0.9

const UNIT = 'perceptual blur estimate 0–1 (0 sharp, 1 fully blurred)'

/**
 * Sharpness as the no-reference perceptual blur metric of F. Crété-Roffet, T. Dolmiere,
 * P. Ladret and M. Nicolas, "The Blur Effect: Perception and Estimation with a New
 * No-Reference Perceptual Blur Metric", SPIE Electronic Imaging 2007.
 *
 * The idea: re-blurring a sharp image removes a lot of the variation between neighbouring
 * pixels, re-blurring an already blurred image removes little. With `F` the luma and `B` its
 * copy low-passed by a 9-tap box filter along one direction (vertical here, then horizontal):
 *
 *   D_F = |F(i,j) − F(i−1,j)| − 1 (pairs with D_F ≤ 0 skipped), D_B = |B(i,j) − B(i−1,j)|,
 *   V = max(0, D_F − D_B),  blur_dir = (Σ D_F − Σ V) / Σ D_F,  blur = max(blur_ver, blur_hor)
 *
 * The one deviation from the paper is the 1-level coring of `D_F`: in 8-bit data a smooth
 * gradient is a staircase of 1-level steps, which the plain metric reads as sharp edges (a copy
 * blurred with σ = 8 then scores *sharper* than one blurred with σ = 5); ignoring 1-level steps
 * makes the estimate monotone in the blur (CALIBRATION.md). Range 0–1, 0 sharp and 1 fully
 * blurred. Being a ratio of sums of differences, it depends far less on the image's contrast
 * and content than the variance of the Laplacian does; the plane it is measured on is
 * downscaled to at most 1024 px on its longest side (`pixels.ts`), so that large results are
 * judged at a comparable scale. Edges are replicated at the borders.
 *
 * Score: 1 at or below {@link SHARP_BLUR}, 0 at or above {@link BLURRED_BLUR}, linear between.
 * Not measured (null) when no two neighbouring pixels differ by more than one level (a flat image).
 */
export function measureSharpness(plane: LumaPlane, fullWidth = plane.width): MetricResult {
  const blur = blurEstimate(plane)
  const scaled =
    plane.width === fullWidth
      ? `on the ${plane.width}×${plane.height} luma plane`
      : `on the luma plane downscaled (Lanczos-3) to ${plane.width}×${plane.height}`
  if (blur === null) {
    return {
      value: null,
      unit: UNIT,
      score: null,
      method: 'not measured: no two neighbouring pixels differ by more than one luma level (flat).',
    }
  }
  return {
    value: round(blur),
    unit: UNIT,
    score: round(rampDown(blur, SHARP_BLUR, BLURRED_BLUR)),
    method:
      'Crété-Roffet et al. 2007 no-reference blur: blur = max over vertical/horizontal of ' +
      '(ΣD_F − Σmax(0, D_F − D_B)) / ΣD_F, D_F = |ΔF| − 1 (1-level coring against 8-bit ' +
      'quantisation steps), B = 9-tap box re-blur of the BT.601 luma, ' +
      `${scaled}; score 1 at blur ≤ ${SHARP_BLUR}, 0 at ≥ ${BLURRED_BLUR}, linear between.`,
  }
}

/**
 * The (cored) Crété-Roffet blur estimate of a luma plane, or null when no two neighbours differ
 * by more than one level.
 *
 * The 9-tap box average `B` need not be materialised: the difference of two neighbouring box
 * sums is the difference of the two pixels entering and leaving the window,
 * `9 (B(i) − B(i−1)) = F(i+4) − F(i−5)` (indices clamped to the plane), so one pass suffices.
 */
export function blurEstimate(plane: LumaPlane): number | null {
  const { width: w, height: h, luma: f } = plane
  // Vertical direction.
  let sumFv = 0
  let sumVv = 0
  for (let i = 1; i < h; i++) {
    const row = i * w
    const prev = row - w
    const ahead = Math.min(i + 4, h - 1) * w
    const behind = Math.max(i - 5, 0) * w
    for (let j = 0; j < w; j++) {
      const dF = Math.abs(f[row + j]! - f[prev + j]!) - 1
      if (dF <= 0) continue
      sumFv += dF
      const v = 9 * dF - Math.abs(f[ahead + j]! - f[behind + j]!)
      if (v > 0) sumVv += v
    }
  }
  // Horizontal direction.
  let sumFh = 0
  let sumVh = 0
  for (let i = 0; i < h; i++) {
    const row = i * w
    for (let j = 1; j < w; j++) {
      const dF = Math.abs(f[row + j]! - f[row + j - 1]!) - 1
      if (dF <= 0) continue
      sumFh += dF
      const v = 9 * dF - Math.abs(f[row + Math.min(j + 4, w - 1)]! - f[row + Math.max(j - 5, 0)]!)
      if (v > 0) sumVh += v
    }
  }
  const ver = sumFv > 0 ? (sumFv - sumVv / 9) / sumFv : null
  const hor = sumFh > 0 ? (sumFh - sumVh / 9) / sumFh : null
  if (ver === null || hor === null) return ver ?? hor
  return Math.max(ver, hor)
}
