import type { GenerationReport } from '../../contracts/generation-report.js'
import { rankQuality } from './model-comparison.js'

export {
  CandidateRecordSchema,
  GenerationReportSchema,
  ImageRecordSchema,
  ImageTimingsSchema,
  ModelStatsSchema,
  QualitySummarySchema,
  type GenerationReport,
  type ImageRecord,
  type QualitySummary,
} from '../../contracts/generation-report.js'

/** One scored or failed model call, for the per-model statistics. */
export interface ModelSample {
  model: string
  ok: boolean
  generationMs: number | null
  score: number | null
}

/** Per-model statistics and the comparison of SPEC §5 (best quality, fastest, most consistent). */
export function modelComparison(
  samples: readonly ModelSample[],
): GenerationReport['model_comparison'] {
  const byModel = new Map<string, ModelSample[]>()
  for (const sample of samples)
    byModel.set(sample.model, [...(byModel.get(sample.model) ?? []), sample])
  const mean = (values: number[]): number | null =>
    values.length ? values.reduce((a, b) => a + b, 0) / values.length : null
  const models = [...byModel.entries()].map(([model, list]) => {
    const ok = list.filter((s) => s.ok)
    const times = ok.map((s) => s.generationMs).filter((t): t is number => t !== null)
    const scores = ok.map((s) => s.score).filter((v): v is number => v !== null)
    const meanScore = mean(scores)
    const stdev =
      scores.length >= 2 && meanScore !== null
        ? Math.sqrt(scores.reduce((sum, v) => sum + (v - meanScore) ** 2, 0) / scores.length)
        : null
    const meanTime = mean(times)
    return {
      model,
      images: list.length,
      succeeded: ok.length,
      failed: list.length - ok.length,
      mean_generation_ms: meanTime === null ? null : Math.round(meanTime),
      mean_quality: meanScore === null ? null : round3(meanScore),
      quality_stdev: stdev === null ? null : round3(stdev),
    }
  })
  const pick = <T>(list: T[], value: (m: T) => number | null, lowest: boolean): T | undefined =>
    list
      .filter((m) => value(m) !== null)
      .sort((a, b) => ((value(a) as number) - (value(b) as number)) * (lowest ? 1 : -1))[0]
  // Quality rankings name no model when the leaders tie within the score's resolution (issue 16).
  const quality = rankQuality(models)
  const fastest = pick(models, (m) => m.mean_generation_ms, true)
  const notes: string[] = [...quality.notes]
  if (!fastest) notes.push('fastest_model is null: no image was generated.')
  return {
    models_tested: models.map((m) => m.model),
    best_quality_model: quality.best,
    fastest_model: fastest?.model ?? null,
    most_consistent_model: quality.consistent,
    notes,
    models,
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
