import type { MetricResult } from '../types.js'
import { round } from './score-map.js'

/** A width and height in pixels. */
export interface Size {
  width: number
  height: number
}

const UNIT = 'share of the requested pixel count (0–1)'

/**
 * Resolution against the requested size (SPEC §5: "resolution against the request").
 *
 * Formula: coverage `c = min(1, w / W) × min(1, h / H)` for a `w × h` result of a `W × H`
 * request: the share of the requested pixel count that was delivered. A result larger than
 * requested covers it fully, so does one of another aspect whose sides both reach the request.
 * Range 0–1. Score = `c`: 1 at or above the requested size, a penalty proportional to the
 * missing pixels below it (a 512×512 result for a 1024×1024 request scores 0.25). Source: the
 * request itself; no perceptual model is involved.
 *
 * Not measured (null) when the requested size is not a positive size.
 */
export function measureResolution(actual: Size, requested: Size): MetricResult {
  if (!(requested.width > 0 && requested.height > 0)) {
    return {
      value: null,
      unit: UNIT,
      score: null,
      method: `not measured: the requested size ${requested.width}×${requested.height} is not valid.`,
    }
  }
  const coverage =
    Math.min(1, actual.width / requested.width) * Math.min(1, actual.height / requested.height)
  return {
    value: round(coverage),
    unit: UNIT,
    score: round(coverage),
    method:
      `coverage = min(1, w/W) × min(1, h/H) of the ${actual.width}×${actual.height} result ` +
      `against the requested ${requested.width}×${requested.height}; score = coverage ` +
      '(1 at or above the requested size, proportional to the delivered pixels below it).',
  }
}

/** Whether either side of the result is below the requested side (flag `undersized`). */
export function isUndersized(actual: Size, requested: Size): boolean {
  return actual.width < requested.width || actual.height < requested.height
}
