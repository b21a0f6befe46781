/**
 * The piecewise-linear maps from a raw measurement to a 0–1 score used by every metric. The
 * break points are the calibrated thresholds documented in `src/quality/CALIBRATION.md`.
 */

/** 0 at or below `zeroAt`, 1 at or above `oneAt`, linear in between (`zeroAt` < `oneAt`). */
export function rampUp(value: number, zeroAt: number, oneAt: number): number {
  if (value <= zeroAt) return 0
  if (value >= oneAt) return 1
  return (value - zeroAt) / (oneAt - zeroAt)
}

/** 1 at or below `oneAt`, 0 at or above `zeroAt`, linear in between (`oneAt` < `zeroAt`). */
export function rampDown(value: number, oneAt: number, zeroAt: number): number {
  return 1 - rampUp(value, oneAt, zeroAt)
}

/**
 * A plateau: 0 at or below `zeroLow`, rising to 1 at `oneLow`, 1 up to `oneHigh`, falling to 0
 * at `zeroHigh` and above.
 */
export function plateau(
  value: number,
  zeroLow: number,
  oneLow: number,
  oneHigh: number,
  zeroHigh: number,
): number {
  return Math.min(rampUp(value, zeroLow, oneLow), rampDown(value, oneHigh, zeroHigh))
}

/** `value` rounded to `digits` decimals (reports stay readable; scores keep 4 digits). */
export function round(value: number, digits = 4): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
