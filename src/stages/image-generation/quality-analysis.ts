import { z } from 'zod'
import { QUALITY_WEIGHTS } from '../../quality/types.js'
import type { ScoredCandidate, Slot } from './strategies.js'

const MetricSchema = z.object({
  value: z.number().nullable(),
  unit: z.string(),
  score: z.number().min(0).max(1).nullable(),
  method: z.string(),
})

const DimensionSchema = z.object({
  score: z.number().min(0).max(1).nullable(),
  reason: z.string().nullable(),
  source: z.string().nullable(),
})

/**
 * `metadata/quality-analysis.json`: every metric value of every candidate and how it was
 * measured. Validated with this schema before it is written.
 */
export const QualityAnalysisSchema = z.object({
  schema_version: z.literal(1),
  quality_threshold: z.number().min(0).max(1),
  /** Weights of the original design, before renormalising over measured dimensions. */
  weights: z.object({
    technical: z.number(),
    alignment: z.number(),
    aesthetic: z.number(),
    artefacts: z.number(),
  }),
  /** The scorer used for alignment and aesthetics, or null when none was configured. */
  scorer: z.string().nullable(),
  /** Where the calibration of the technical metrics is documented. */
  calibration: z.string(),
  candidates: z.array(
    z.object({
      index: z.number().int().positive(),
      attempt: z.number().int().positive(),
      model: z.string(),
      file: z.string(),
      kept: z.boolean(),
      overall: z.number().min(0).max(1),
      meets_threshold: z.boolean(),
      blank: z.boolean(),
      flags: z.array(z.string()),
      dimensions: z.object({
        technical: DimensionSchema,
        alignment: DimensionSchema,
        aesthetic: DimensionSchema,
        artefacts: DimensionSchema,
      }),
      applied_weights: z.record(z.string(), z.number()),
      technical_score: z.number().min(0).max(1),
      artefact_score: z.number().min(0).max(1),
      metrics: z.record(z.string(), MetricSchema),
    }),
  ),
})
export type QualityAnalysis = z.infer<typeof QualityAnalysisSchema>

/** Builds the quality analysis of every made candidate of a run. */
export function qualityAnalysis(
  slots: readonly Slot[],
  threshold: number,
  scorer: string | null,
): QualityAnalysis {
  const made = slots.flatMap((slot) =>
    slot.candidates
      .filter(
        (c): c is ScoredCandidate & { quality: NonNullable<ScoredCandidate['quality']> } =>
          c.quality !== null,
      )
      .map((c) => ({ slot, c })),
  )
  return {
    schema_version: 1,
    quality_threshold: threshold,
    weights: { ...QUALITY_WEIGHTS },
    scorer,
    calibration: 'src/quality/CALIBRATION.md in the kamui-media-actions repository',
    candidates: made.map(({ slot, c }) => ({
      index: c.index,
      attempt: c.attempt,
      model: c.model.label,
      file: c.file as string,
      kept: c === slot.kept,
      overall: c.quality.overall,
      meets_threshold: c.quality.overall >= threshold,
      blank: c.quality.technical.blank,
      flags: c.quality.technical.flags,
      dimensions: c.quality.dimensions,
      applied_weights: c.quality.appliedWeights,
      technical_score: c.quality.technical.technicalScore,
      artefact_score: c.quality.technical.artefactScore,
      metrics: c.quality.technical.metrics,
    })),
  }
}
