import { KamuiError } from '../../core/errors.js'
import type { PromptPreparation } from '../../contracts/prompt-preparation.js'
import type { CostSummary } from '../../contracts/cost.js'
import type { ImageGenerationInputs } from './inputs.js'
import { modelSamples, slotRecord } from './records.js'
import { modelComparison, type GenerationReport, type ImageRecord } from './report.js'
import type { Slot } from './strategies.js'

/** How the primary image is chosen (recorded in the report). */
export const PRIMARY_SELECTION = 'highest overall quality score (ties: lowest image number)'

/** What a run's report is built from. */
export interface ImageReportInput {
  inputs: ImageGenerationInputs
  /** The prompt as given (the inputs hold the prepared one). */
  originalPrompt: string
  promptPreparation: PromptPreparation
  version: string
  models: readonly string[]
  autoSelected: boolean
  baseSeed: number
  notices: string[]
  slots: readonly Slot[]
  startedAt: number
  cancelled: boolean
  /** The run journal's job counts (reused, resumed, new, resubmitted), when it kept one. */
  jobs?: { reused: number; resumed: number; new: number; resubmitted: number } | undefined
  /** Estimated against actual cost and the budget (issue 11), when the run kept count. */
  cost?: CostSummary | undefined
}

/** The outcome of a run: its report, the images made and failed, the primary, the warnings. */
export interface ImageOutcome {
  report: GenerationReport
  generated: ImageRecord[]
  failures: ImageRecord[]
  primary: ImageRecord | undefined
  /** 0-based index of the primary image in `generated`, or -1. */
  primaryIndex: number
  warnings: { code: string; message: string }[]
}

/**
 * The outcome of a run from its slots: the image records (status, quality, timings), the
 * primary image (highest overall score, ties to the lowest number), the warnings (failed
 * images, IMG_004 when no image met the threshold) and the report of SPEC §5.
 */
export function imageOutcome(input: ImageReportInput): ImageOutcome {
  const { inputs } = input
  const records = input.slots.map((slot) => slotRecord(slot, inputs.qualityThreshold))
  const generated = records.filter((r) => r.status === 'ok')
  const failures = records.filter((r) => r.status === 'failed')
  const primary = bestOf(generated)
  const primaryIndex = primary ? generated.indexOf(primary) : -1
  const warnings = outcomeWarnings(failures, primary, inputs.qualityThreshold)
  if (input.cost?.refused_jobs) warnings.push(budgetWarning(input.cost, generated.length))
  const report: GenerationReport = {
    schema_version: 1,
    generator: { name: 'kamui-media-actions', version: input.version },
    preview: records.some((r) => r.preview),
    notices: input.notices,
    request: {
      prompt: input.originalPrompt,
      image_count: inputs.imageCount,
      models: [...input.models],
      auto_selected: input.autoSelected,
      strategy: inputs.strategy,
      max_parallel: inputs.maxParallel,
      quality_threshold: inputs.qualityThreshold,
      width: inputs.width,
      height: inputs.height,
      base_seed: input.baseSeed,
      branch_name: inputs.branchName,
    },
    prompt_preparation: input.promptPreparation,
    generation_summary: {
      total_images: records.length,
      successful_generations: generated.length,
      failed_generations: failures.length,
      total_time_ms: Math.round(performance.now() - input.startedAt),
      average_time_per_image_ms: generated.length
        ? Math.round(generated.reduce((sum, r) => sum + r.timings.total_ms, 0) / generated.length)
        : null,
      primary_image_index: primary ? primaryIndex : null,
      primary_image_number: primary ? primary.index : null,
      primary_selection: PRIMARY_SELECTION,
      cancelled: input.cancelled,
      ...(input.jobs ? { jobs: { ...input.jobs } } : {}),
    },
    images: records,
    model_comparison: modelComparison(modelSamples(input.slots)),
    warnings,
    ...(input.cost ? { cost: input.cost } : {}),
  }
  return { report, generated, failures, primary, primaryIndex, warnings }
}

/** The warnings of a run's outcome: each failed image, and IMG_004 when no image met the threshold. */
export function outcomeWarnings(
  failures: readonly ImageRecord[],
  primary: ImageRecord | undefined,
  threshold: number,
): { code: string; message: string }[] {
  const warnings = failures.map((f) => ({
    code: f.error?.code ?? 'GEN_001',
    message: `image ${f.index} (${f.model}): ${f.error?.message ?? 'failed'}`,
  }))
  if (primary && primary.quality && !primary.quality.meets_threshold) {
    warnings.push({
      code: 'IMG_004',
      message:
        `No image met quality-threshold ${threshold}; the best one (image ${primary.index}, ` +
        `score ${primary.quality.overall.toFixed(2)}) is delivered.`,
    })
  }
  return warnings
}

/** COST_001: the budget stopped the run; what was made is kept. */
function budgetWarning(cost: CostSummary, made: number): { code: string; message: string } {
  return {
    code: 'COST_001',
    message:
      `max-cost-usd ${cost.max_cost_usd} reached: ${cost.refused_jobs} job(s) not submitted, ` +
      `${made} image(s) kept, $${cost.actual_usd} spent.`,
  }
}

/** The image with the highest overall score; ties go to the lowest image number. */
export function bestOf(images: readonly ImageRecord[]): ImageRecord | undefined {
  let best: ImageRecord | undefined
  for (const image of images) {
    if (!best || (image.quality_score ?? -1) > (best.quality_score ?? -1)) best = image
  }
  return best
}

/** The error of a run that made no image: the most frequent code, every reason listed. */
export function noImageError(failures: readonly ImageRecord[]): KamuiError {
  const codes = failures.map((f) => f.error?.code ?? 'GEN_001')
  const counts = new Map<string, number>()
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1)
  const code = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'GEN_001'
  const reasons = failures.map(
    (f) => `image ${f.index} (${f.model}): ${f.error?.code}: ${f.error?.message}`,
  )
  return new KamuiError(
    code as KamuiError['code'],
    `No image was generated. ${reasons.join(' | ')}`,
  )
}
