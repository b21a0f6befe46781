import { round } from './metrics/score-map.js'
import {
  QUALITY_WEIGHTS,
  type DimensionScore,
  type ImageQuality,
  type QualityDimension,
  type ScoredDimension,
  type ScorerOutcome,
  type ScorerResult,
  type TechnicalQuality,
} from './types.js'

/**
 * The overall score of an image (SPEC §5 "Quality"): the weighted mean of the dimensions that
 * were measured, with the weights of the original design renormalised over them. Dimensions
 * that were not measured are `null` with the reason; nothing is filled in.
 */

/** Reason of the scorer dimensions when no scorer is configured. */
export const NO_SCORER_REASON = 'not measured: no quality-scorer configured'
/** Where the technical and artefact dimensions come from. */
export const PIXEL_SOURCE = 'pixels (sharp)'

/** The dimensions scorers measure. */
export const SCORED_DIMENSIONS: readonly ScoredDimension[] = ['alignment', 'aesthetic']

/** Options of {@link combineQuality}. */
export interface CombineOptions {
  /**
   * The reason for the scorer dimensions when `outcomes` is empty (default
   * {@link NO_SCORER_REASON}), e.g. that a blank image was not sent to the scorers.
   */
  unscoredReason?: string
}

/**
 * Combines the technical assessment and the scorers' outcomes into the image's quality.
 *
 * - technical: `technical.technicalScore` (source `pixels (sharp)`).
 * - artefacts: `technical.artefactScore`, or null with the metric's reason when the
 *   compression-artefact metric could not be measured.
 * - alignment, aesthetic: the first outcome (in scorer order) that measured the dimension with a
 *   finite number in 0–1; otherwise null, with the reason: no scorer configured (or
 *   `unscoredReason`), the failing scorers' errors, invalid values, or that the scorers returned
 *   no such score.
 * - appliedWeights: `QUALITY_WEIGHTS[d] / Σ QUALITY_WEIGHTS[measured]` for measured `d`, 0 for
 *   the others (technical 0.3, alignment 0.4, aesthetic 0.2, artefacts 0.1 with everything
 *   measured; 0.75 and 0.25 with the pixel dimensions only).
 * - overall: `Σ appliedWeights[d] · score[d]`, and 0 when the image is blank (a failed render
 *   scores 0 whatever a scorer thinks of it).
 */
export function combineQuality(
  technical: TechnicalQuality,
  outcomes: readonly ScorerOutcome[],
  options: CombineOptions = {},
): ImageQuality {
  const artefactMetric = technical.metrics.compression_artefacts
  const dimensions: Record<QualityDimension, DimensionScore> = {
    technical: measured(technical.technicalScore, PIXEL_SOURCE),
    alignment: scoredDimension('alignment', outcomes, options),
    aesthetic: scoredDimension('aesthetic', outcomes, options),
    artefacts:
      artefactMetric.score === null
        ? notMeasured(artefactMetric.method)
        : measured(technical.artefactScore, PIXEL_SOURCE),
  }
  const names = Object.keys(QUALITY_WEIGHTS) as QualityDimension[]
  const total = names.reduce(
    (sum, d) => sum + (dimensions[d].score === null ? 0 : QUALITY_WEIGHTS[d]),
    0,
  )
  const appliedWeights = Object.fromEntries(
    names.map((d) => [
      d,
      dimensions[d].score === null || total === 0 ? 0 : QUALITY_WEIGHTS[d] / total,
    ]),
  ) as Record<QualityDimension, number>
  const overall = technical.blank
    ? 0
    : names.reduce((sum, d) => sum + appliedWeights[d] * (dimensions[d].score ?? 0), 0)
  return {
    overall: round(Math.min(1, Math.max(0, overall))),
    dimensions,
    appliedWeights: Object.fromEntries(
      names.map((d) => [d, round(appliedWeights[d], 6)]),
    ) as Record<QualityDimension, number>,
    technical,
  }
}

/**
 * Why a scorer's value of `dimension` is unusable, or null when it is a finite number in 0–1
 * (or absent).
 */
export function invalidScore(result: ScorerResult, dimension: ScoredDimension): string | null {
  const value: unknown = result[dimension]
  if (value === undefined) return null
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    return `returned ${dimension} = ${JSON.stringify(value) ?? String(value)}, not a number in 0–1`
  }
  return null
}

function scoredDimension(
  dimension: ScoredDimension,
  outcomes: readonly ScorerOutcome[],
  options: CombineOptions,
): DimensionScore {
  if (outcomes.length === 0) return notMeasured(options.unscoredReason ?? NO_SCORER_REASON)
  const reasons: string[] = []
  for (const outcome of outcomes) {
    const meant = outcome.dimensions === undefined || outcome.dimensions.includes(dimension)
    if ('error' in outcome) {
      if (meant) reasons.push(`scorer "${outcome.scorer}" failed: ${outcome.error}`)
      continue
    }
    const value = outcome.result[dimension]
    const invalid = invalidScore(outcome.result, dimension)
    if (invalid !== null) {
      reasons.push(`scorer "${outcome.scorer}" ${invalid}`)
      continue
    }
    if (value !== undefined) return measured(value, outcome.result.source)
    if (meant) reasons.push(`scorer "${outcome.scorer}" returned no ${dimension} score`)
  }
  if (reasons.length === 0) reasons.push(`no configured scorer measures ${dimension}`)
  return notMeasured(`not measured: ${reasons.join('; ')}`)
}

function measured(score: number, source: string): DimensionScore {
  return { score: round(score), reason: null, source }
}

function notMeasured(reason: string): DimensionScore {
  return { score: null, reason, source: null }
}
