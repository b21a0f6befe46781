/**
 * Ties within a measurement's resolution (issue 16): two models whose mean scores differ by
 * less than the score can resolve are not ranked, and reports say they tie instead of naming
 * a best model.
 */

/**
 * The resolution of the overall quality score (0–1): differences smaller than this are not
 * meaningful. The same picture saved as PNG and as JPEG quality 90 scores 1.000 and 0.972
 * (CALIBRATION.md, `preview-1-jpeg90`), so encoding alone moves a score by about 0.03; and
 * every normal image scores 1.00, because the pixel metrics are defect detectors that are 1
 * across the whole acceptable band. 0.05 is above that noise and below the smallest step a
 * failure mode causes (a failing metric takes the overall score below 0.8).
 */
export const QUALITY_SCORE_RESOLUTION = 0.05

/**
 * The resolution of a quality standard deviation (the "most consistent" model): half the
 * score's resolution, since a spread is compared between models with few images each.
 */
export const QUALITY_STDEV_RESOLUTION = QUALITY_SCORE_RESOLUTION / 2

/** The winner of a ranking, or the candidates that tie for first place. */
export type Ranking<T> =
  | { kind: 'none' }
  | { kind: 'winner'; winner: T; value: number }
  | { kind: 'tie'; tied: T[]; values: number[] }

/**
 * Ranks `items` by `value` (items whose value is null are left out): the single item whose
 * value beats every other by at least `resolution`, or every item within `resolution` of the
 * best value when there is no such item. `highest`: larger values win (scores), else smaller
 * (spreads, times).
 */
export function rankWithin<T>(
  items: readonly T[],
  value: (item: T) => number | null,
  resolution: number,
  highest: boolean,
): Ranking<T> {
  const scored = items
    .map((item) => ({ item, v: value(item) }))
    .filter((s): s is { item: T; v: number } => s.v !== null && Number.isFinite(s.v))
    .sort((a, b) => (highest ? b.v - a.v : a.v - b.v))
  const first = scored[0]
  if (!first) return { kind: 'none' }
  // A small epsilon keeps decimal round-off (0.1 + 0.05) from splitting a tie at the boundary.
  const tied = scored.filter((s) => Math.abs(s.v - first.v) < resolution - 1e-9)
  if (tied.length === 1) return { kind: 'winner', winner: first.item, value: first.v }
  return { kind: 'tie', tied: tied.map((s) => s.item), values: tied.map((s) => s.v) }
}
