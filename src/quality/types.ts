/**
 * Types of the quality assessment (SPEC §5, issue "honest quality scores").
 *
 * Every score is in 0–1 (1 best). A dimension that was not measured is `null` with the reason;
 * nothing is ever filled in with a made-up number.
 */

/** One technical metric measured on the pixels. */
export interface MetricResult {
  /** The raw measurement (units in `unit`), or null when it could not be measured. */
  value: number | null
  /** Unit or scale of `value` (e.g. "luminance 0–255", "bits", "ratio"). */
  unit: string
  /** The value mapped to 0–1 (1 best) by the calibrated mapping, or null. */
  score: number | null
  /** How it was measured: the formula and its source, for `quality-analysis.json`. */
  method: string
}

/** Names of the technical metrics. */
export type TechnicalMetricName =
  | 'resolution'
  | 'sharpness'
  | 'exposure'
  | 'clipping'
  | 'contrast'
  | 'entropy'
  | 'blank'
  | 'compression_artefacts'

/** The technical assessment of one image. */
export interface TechnicalQuality {
  metrics: Record<TechnicalMetricName, MetricResult>
  /** True for flat, black, white or single-colour images (failed renders, safety filters). */
  blank: boolean
  /** Combined technical score 0–1 (0 when blank). */
  technicalScore: number
  /**
   * Artefact score 0–1, 1 = no visible compression artefacts: the `compression_artefacts`
   * metric's score (0 only for an image too small to have a block grid, which is blank).
   */
  artefactScore: number
  /**
   * Short machine-readable flags: `blank`, `too_small`, `undersized`, `overexposed`,
   * `underexposed`, `blurry`, `low_contrast`, `blocky`.
   */
  flags: string[]
}

/** A score of one dimension, or null with the reason it was not measured. */
export interface DimensionScore {
  score: number | null
  /** Why `score` is null (null when measured). */
  reason: string | null
  /** What measured it (e.g. `pixels (sharp)`, `mcp:score_image on server x`). */
  source: string | null
}

/** Dimensions of the overall score and their weights from the original design. */
export const QUALITY_WEIGHTS = {
  technical: 0.3,
  alignment: 0.4,
  aesthetic: 0.2,
  artefacts: 0.1,
} as const
export type QualityDimension = keyof typeof QUALITY_WEIGHTS

/** The full assessment of one image. */
export interface ImageQuality {
  /** Weighted mean of the measured dimensions (weights renormalised over them); 0 when blank. */
  overall: number
  dimensions: Record<QualityDimension, DimensionScore>
  /** The weights actually applied (renormalised over measured dimensions; 0 for unmeasured). */
  appliedWeights: Record<QualityDimension, number>
  technical: TechnicalQuality
}

/** What a scorer is asked to judge. */
export interface ScoreRequest {
  png: Buffer
  prompt: string
  signal: AbortSignal
}

/** What a scorer returns: the dimensions it measured, each 0–1. */
export interface ScorerResult {
  alignment?: number
  aesthetic?: number
  /** Where the scores came from, for the report. */
  source: string
}

/** The dimensions a scorer can measure (the others are measured on the pixels). */
export type ScoredDimension = 'alignment' | 'aesthetic'

/**
 * A scorer for what pixels alone cannot tell (prompt alignment, aesthetics): an MCP scoring
 * tool, or the local vision-model scorer of the GPU backends.
 *
 * `score` resolves with the dimensions it measured (each a finite number in 0–1) or rejects
 * (a `KamuiError` with a code, preferably); it honours `request.signal`. A rejection does not
 * fail the image: `assessImage` reports the scorer's dimensions as not measured, with the error
 * as the reason.
 */
export interface Scorer {
  /** Name for reports and logs. */
  name: string
  /** The dimensions it is meant to measure (both when absent); used for the reasons of failures. */
  readonly dimensions?: readonly ScoredDimension[]
  score(request: ScoreRequest): Promise<ScorerResult>
}

/** What one scorer did with one image: its result, or the message of its error. */
export type ScorerOutcome =
  | { scorer: string; dimensions?: readonly ScoredDimension[]; result: ScorerResult }
  | { scorer: string; dimensions?: readonly ScoredDimension[]; error: string }
