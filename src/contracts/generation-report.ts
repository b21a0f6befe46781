import { z } from 'zod'
import { PromptPreparationSchema } from './prompt-preparation.js'
import { CostSummarySchema } from './cost.js'

/**
 * `metadata/generation-report.json`, the image stage's report: written by
 * `stages/image-generation` and read by the web player (`stages/web-player-generation`,
 * `output/web/report-schema.ts`). It lives here, below both, as the contract of the file they
 * pass between them.
 */

const ErrorRecordSchema = z.object({ code: z.string(), message: z.string() })

/** Timings of one image, in milliseconds. */
export const ImageTimingsSchema = z.object({
  /** From being queued to the first attempt starting (limits and rate limits). */
  queue_wait_ms: z.number().int().nonnegative(),
  /** Model call(s) of the successful attempt: submit, polling and result. */
  generation_ms: z.number().int().nonnegative().nullable(),
  /** Downloading (or decoding) the media and converting it to PNG. */
  download_ms: z.number().int().nonnegative().nullable(),
  /** From queued to written (or failed). */
  total_ms: z.number().int().nonnegative(),
})

/** A dimension score in the report: 0–1, or null with the reason. */
const DimensionSchema = z.object({
  score: z.number().min(0).max(1).nullable(),
  reason: z.string().nullable(),
  source: z.string().nullable(),
})

/** The quality of a made candidate. */
export const QualitySummarySchema = z.object({
  /** Weighted mean of the measured dimensions, 0–1 (0 for blank images). */
  overall: z.number().min(0).max(1),
  technical: DimensionSchema,
  alignment: DimensionSchema,
  aesthetic: DimensionSchema,
  artefacts: DimensionSchema,
  /** Weights applied after renormalising over the measured dimensions. */
  applied_weights: z.record(z.string(), z.number()),
  blank: z.boolean(),
  flags: z.array(z.string()),
  meets_threshold: z.boolean(),
})
export type QualitySummary = z.infer<typeof QualitySummarySchema>

/** Every candidate made (or tried) for a slot: the first attempt and any regeneration. */
export const CandidateRecordSchema = z.object({
  attempt: z.number().int().positive(),
  model: z.string(),
  status: z.enum(['ok', 'failed']),
  /** Where the candidate's PNG is, relative to the folder; null when it failed. */
  file: z.string().nullable(),
  kept: z.boolean(),
  url: z.string().nullable(),
  seed: z.number().int(),
  quality_score: z.number().min(0).max(1).nullable(),
  generation_ms: z.number().int().nonnegative().nullable(),
  error: ErrorRecordSchema.nullable(),
})

/** One planned image in the report, made or failed. */
export const ImageRecordSchema = z.object({
  /** 1-based image number. */
  index: z.number().int().positive(),
  /** Path relative to the folder, e.g. `images/generated-image-2.png`; null when it failed. */
  file: z.string().nullable(),
  status: z.enum(['ok', 'failed']),
  /** The alias planned by round robin. */
  requested_model: z.string(),
  /** The alias that made (or last tried) the image; `preview:<alias>` for preview stand-ins. */
  model: z.string(),
  /** Set when IMG_002 moved the image to another model. */
  fallback_from: z.string().nullable(),
  /** True when the image is preview output of the offline preview server, not a model's. */
  preview: z.boolean(),
  provider: z.string(),
  /** `mcpServers` key the tool was found on. */
  server: z.string().nullable(),
  /** Tool names called (sync tool, or submit/status/result). */
  tools: z.array(z.string()),
  request_id: z.string().nullable(),
  /** The URL the model returned, or null when it sent bytes only. */
  url: z.string().nullable(),
  seed: z.number().int(),
  /** Overall quality score 0–1, or null when not measured. */
  quality_score: z.number().min(0).max(1).nullable(),
  /** Why the score is null, when it is. */
  quality_note: z.string().nullable(),
  file_size_bytes: z.number().int().nonnegative().nullable(),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  /** `WIDTHxHEIGHT`, or null. */
  resolution: z.string().nullable(),
  timings: ImageTimingsSchema,
  attempts: z.number().int().nonnegative(),
  /** Errors of attempts that were retried. */
  retried_errors: z.array(ErrorRecordSchema),
  /** The final error of a failed image. */
  error: ErrorRecordSchema.nullable(),
  /** Quality of the kept candidate; null when the image failed. */
  quality: QualitySummarySchema.nullable(),
  candidates: z.array(CandidateRecordSchema),
  /** Whether a below-threshold image was regenerated (or why not); null when not needed. */
  regeneration: z
    .object({
      outcome: z.enum(['regenerated', 'skipped']),
      reason: z.string(),
      from: z.string(),
      to: z.string().nullable(),
    })
    .nullable(),
})
export type ImageRecord = z.infer<typeof ImageRecordSchema>

/** Per-model figures for the comparison section. */
export const ModelStatsSchema = z.object({
  model: z.string(),
  images: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Mean generation time of its successful images, ms; null when none succeeded. */
  mean_generation_ms: z.number().nonnegative().nullable(),
  /** Mean overall quality score of its images (all candidates), null when none was scored. */
  mean_quality: z.number().min(0).max(1).nullable(),
  /** Standard deviation of those scores; null with fewer than two. */
  quality_stdev: z.number().nonnegative().nullable(),
})

/**
 * `metadata/generation-report.json` (SPEC §5). Validated with this schema before it is written.
 * Field names follow the original design document (`generation_summary`, `images`,
 * `model_comparison`).
 */
export const GenerationReportSchema = z.object({
  schema_version: z.literal(1),
  generator: z.object({ name: z.string(), version: z.string() }),
  /** True when any image is preview output. */
  preview: z.boolean(),
  notices: z.array(z.string()),
  request: z.object({
    prompt: z.string(),
    image_count: z.number().int(),
    models: z.array(z.string()),
    auto_selected: z.boolean(),
    strategy: z.enum(['sequential', 'parallel', 'smart']),
    max_parallel: z.number().int(),
    quality_threshold: z.number(),
    width: z.number().int(),
    height: z.number().int(),
    base_seed: z.number().int(),
    branch_name: z.string(),
  }),
  /** Translation and enhancement of the prompt before generation, and the local LLM used. */
  prompt_preparation: PromptPreparationSchema,
  generation_summary: z.object({
    total_images: z.number().int(),
    successful_generations: z.number().int(),
    failed_generations: z.number().int(),
    total_time_ms: z.number().int().nonnegative(),
    average_time_per_image_ms: z.number().nonnegative().nullable(),
    /** 0-based index of the primary image among the generated images; null when none. */
    primary_image_index: z.number().int().nonnegative().nullable(),
    /** 1-based image number of the primary image. */
    primary_image_number: z.number().int().positive().nullable(),
    /** How the primary image was chosen. */
    primary_selection: z.string(),
    cancelled: z.boolean(),
    /**
     * How the run journal served the model jobs (issue 11): reused (output file present with
     * its journalled sha256, no model call), resumed (followed with the stored request id, no
     * new submit), new (submitted in this run), resubmitted (stored handle could not be
     * followed; counted in new). Absent in reports of versions without a journal.
     */
    jobs: z
      .object({
        reused: z.number().int().nonnegative(),
        resumed: z.number().int().nonnegative(),
        new: z.number().int().nonnegative(),
        resubmitted: z.number().int().nonnegative(),
      })
      .optional(),
  }),
  images: z.array(ImageRecordSchema),
  model_comparison: z.object({
    models_tested: z.array(z.string()),
    /**
     * Highest mean quality; null when nothing was scored, or when the leading models' means lie
     * within the score's resolution (0.05, `src/quality/ties.ts`): a note names the tied models.
     */
    best_quality_model: z.string().nullable(),
    /** Lowest mean generation time. */
    fastest_model: z.string().nullable(),
    /**
     * Lowest quality standard deviation among models with at least two scored images; null on a
     * tie within 0.025 (a note names the tied models).
     */
    most_consistent_model: z.string().nullable(),
    /** Why a field above is null. */
    notes: z.array(z.string()),
    models: z.array(ModelStatsSchema),
  }),
  warnings: z.array(ErrorRecordSchema),
  /**
   * Estimated against actual cost of the run's model jobs, the prices used and the budget
   * (issue 11, `max-cost-usd`; see `CostSummarySchema`). Absent in v1 reports and in reports of
   * versions without prices.
   */
  cost: CostSummarySchema.optional(),
  /**
   * A run merged from shards by `kamui merge` (issue 13): each shard that was merged, with its
   * images and its own wall time (the shards ran at the same time, so `total_time_ms` of the
   * summary is the longest of them). Absent in the report of an unsharded run.
   */
  shards: z
    .array(
      z.object({
        shard: z.number().int().positive(),
        /** `k/N`. */
        label: z.string(),
        /** The shard folder's name as merged. */
        folder: z.string(),
        /** Image numbers of the shard. */
        images: z.array(z.number().int().positive()),
        successful_generations: z.number().int().nonnegative(),
        failed_generations: z.number().int().nonnegative(),
        /** The shard's own `total_time_ms`. */
        total_time_ms: z.number().int().nonnegative(),
        /** Whether the shard folder was marked done (false: it failed or was cancelled). */
        complete: z.boolean(),
      }),
    )
    .optional(),
})
export type GenerationReport = z.infer<typeof GenerationReportSchema>
