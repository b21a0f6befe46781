import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'
import { COST_TYPES } from './costs.js'
import { CACHE_STEPS } from './cache.js'
import { SEGMENT_TYPES, StorySchema, describeZodIssues } from './storyboard.js'
import { KEYFRAME_ASPECT_RATIOS } from './aspect.js'
import { StoryFiguresSchema } from './story-figures.js'
import { FrameQualitySchema } from './frame-scores.js'
import { CostSummarySchema } from '../../contracts/cost.js'
import { readKeyframesJson } from '../../contracts/keyframes-json.js'

/**
 * `{folder}/keyframes.json`: what the keyframes stage made, for people and for the video
 * stage. Paths in it are relative to the folder that holds the file, with forward slashes
 * (`keyframes/segment-2-first.png`). Field names are camelCase, as in the image-guided
 * pipeline's types (`firstFrame`, `lastFrame`, `inherited`).
 *
 * The video stage reads, per segment in order, `firstFrame.path` / `lastFrame.path` (null when
 * the frame is missing: the segment failed) and may use `firstFrame.url` / `lastFrame.url`
 * (the model's URL, which expires after about an hour; the file is the durable copy).
 */

/** Version of this file format. */
export const KEYFRAMES_FILE_VERSION = 1
/** Where the file lives in the stage folder. */
export const KEYFRAMES_FILE = 'keyframes.json'
/** Where the story options are written when stories were generated. */
export const STORIES_FILE = 'stories.json'

const ms = z.number().int().nonnegative()
const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !p.split('/').includes('..'),
    'must be a relative path inside the folder',
  )

/** A model as recorded: the telemetry contract's model fields. */
export const KeyframeModelSchema = z.object({
  alias: z.string().min(1),
  /** `mcp`, `comfyui`, `lmstudio`, `ollama` or `preview`. */
  provider: z.string().min(1),
  server: z.string().nullable(),
  tool: z.string().nullable(),
  workflow: z.string().nullable(),
})

/** The cost of one step (see `costs.ts`). */
export const KeyframeStepCostSchema = z.object({
  type: z.enum(COST_TYPES),
  /** US dollars; null when the model has no price in the registry. */
  usd: z.number().nonnegative().nullable(),
  basis: z.string().min(1),
  cached: z.boolean(),
})

const CodeMessageSchema = z.object({ code: z.string().min(1), message: z.string() })

/** How a step met the cache: `hit`, `miss`, `bypassed` (retry-segments), `off`, or null (no such step). */
const CacheUseSchema = z.enum(['hit', 'miss', 'bypassed', 'off']).nullable()

/** One keyframe of a segment. */
export const KeyframeSchema = z.object({
  kind: z.enum(['first', 'last']),
  /**
   * `generated` (composed and rendered, or taken from the cache), `inherited` (a copy of the
   * previous segment's last frame), `failed` (with `error`), `skipped` (a step it needs failed,
   * with `error`).
   */
  status: z.enum(['generated', 'inherited', 'failed', 'skipped']),
  /** The PNG, relative to the folder; null when there is no file. */
  path: relativePath.nullable(),
  /**
   * The URL the model returned, if any: hosted URLs expire after about an hour (a cache hit
   * keeps the URL first returned); `preview://…` identifies preview output and is not fetchable.
   */
  url: z.string().nullable(),
  /** SHA-256 of the PNG (hex); null when there is no file. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** Pixels; null when there is no file. */
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  /** True for a first frame copied from the previous segment's last frame (same bytes). */
  inherited: z.boolean(),
  /** The frame it was copied from, when inherited. */
  inheritedFrom: z
    .object({ segment: z.number().int().positive(), kind: z.literal('last'), path: relativePath })
    .nullable(),
  /** Why a later segment's first frame was generated instead of inherited (the previous last frame was missing). */
  fallback: z.string().nullable(),
  /** True when the frame was kept from an earlier run (segments not named in retry-segments). */
  reused: z.boolean(),
  /** The enhancer's composition. */
  composition: z.string().nullable(),
  /** The render prompt sent to the keyframe model. */
  prompt: z.string().nullable(),
  /** Alignment to `prompt` and aesthetics (`quality-scorer: clip`), only when scored. */
  quality: FrameQualitySchema.optional(),
  seed: z.number().int().nullable(),
  enhancer: KeyframeModelSchema.nullable(),
  model: KeyframeModelSchema.nullable(),
  /** True when preview output (the offline preview server, not a model) took part. */
  preview: z.boolean(),
  cache: z.object({ enhancement: CacheUseSchema, render: CacheUseSchema }),
  /** Integer ms; null for phases the frame did not go through. */
  timings: z.object({
    /** Composition (model call), when one was made. */
    enhancementMs: ms.nullable(),
    /** Waiting for a slot of the generation queue before the render. */
    queueWaitMs: ms.nullable(),
    /** Render (model call). */
    renderMs: ms.nullable(),
    /** Download, PNG conversion and resize. */
    downloadMs: ms.nullable(),
    /** From the frame's step starting to its file being written. */
    totalMs: ms.nullable(),
  }),
  /** Render attempts (retries included); 0 when no render was called. */
  attempts: z.number().int().nonnegative(),
  retries: z.number().int().nonnegative(),
  /** Errors of the attempts that were retried. */
  retriedErrors: z.array(CodeMessageSchema),
  /** Cost of each step of this frame (composition, render). */
  costs: z.array(KeyframeStepCostSchema),
  /** Why the frame is missing. */
  error: CodeMessageSchema.nullable(),
})
/** One keyframe record. */
export type KeyframeRecord = z.infer<typeof KeyframeSchema>

/** One segment with its two keyframes. */
export const KeyframeSegmentSchema = z.object({
  /** 1-based. */
  index: z.number().int().positive(),
  type: z.enum(SEGMENT_TYPES),
  /** `Hook`, `Body n`, `CTA`. */
  label: z.string().min(1),
  description: z.string(),
  /** Seconds. */
  duration: z.number().positive(),
  title: z.string().nullable(),
  /** `complete` when both frames exist, `failed` otherwise (reason in `error`). */
  status: z.enum(['complete', 'failed']),
  error: CodeMessageSchema.nullable(),
  /** True when this run regenerated the segment (retry-segments). */
  retried: z.boolean(),
  firstFrame: KeyframeSchema,
  lastFrame: KeyframeSchema,
})
/** One segment record. */
export type KeyframeSegmentRecord = z.infer<typeof KeyframeSegmentSchema>

const CacheCountsSchema = z.object({ hits: ms, misses: ms, expired: ms, bypassed: ms })
const CostTotalSchema = z.object({
  calls: ms,
  cached: ms,
  usd: z.number().nonnegative(),
  unknownPriceCalls: ms,
})
const ProcessModelSchema = z.object({ label: z.string(), preview: z.boolean() })

/** The whole `keyframes.json`. */
export const KeyframesFileSchema = z.object({
  schemaVersion: z.literal(KEYFRAMES_FILE_VERSION),
  generator: z.object({ name: z.string(), version: z.string() }),
  /** True when any output is preview output (offline preview server or template stories). */
  preview: z.boolean(),
  notices: z.array(z.string()),
  createdAt: z.iso.datetime({ offset: true }),
  concept: z.string().nullable(),
  /** `generated` (stories written for the concept) or `file` (storyboard-file). */
  storySource: z.enum(['generated', 'file']),
  /** 1-based index of the chosen story among `stories.json`, when generated. */
  storyIndex: z.number().int().positive().nullable(),
  story: StorySchema.nullable(),
  aspectRatio: z.enum(KEYFRAME_ASPECT_RATIOS as [string, ...string[]]),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  seed: z.number().int().nonnegative(),
  schedule: z.enum(['graph', 'sequential']),
  models: z.object({
    story: KeyframeModelSchema.nullable(),
    enhancer: ProcessModelSchema,
    keyframe: ProcessModelSchema,
  }),
  productImages: z.array(
    z.object({
      index: z.number().int().positive(),
      /** The path, or the URL without its query string. */
      source: z.string(),
      kind: z.enum(['file', 'url']),
      format: z.string(),
      bytes: ms,
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  segments: z.array(KeyframeSegmentSchema).min(1),
  summary: z.object({
    segments: ms,
    completeSegments: ms,
    failedSegments: z.array(z.number().int().positive()),
    /** Frame files written (generated plus inherited). */
    frames: ms,
    generatedFrames: ms,
    inheritedFrames: ms,
    /** Frames kept from an earlier run (retry-segments). */
    reusedFrames: ms,
  }),
  cache: z.object({
    enabled: z.boolean(),
    /** The cache folder relative to the workspace, or null when off. */
    folder: z.string().nullable(),
    ttlHours: z.number().nonnegative(),
    hits: ms,
    misses: ms,
    byStep: z.object(
      Object.fromEntries(CACHE_STEPS.map((s) => [s, CacheCountsSchema])) as Record<
        (typeof CACHE_STEPS)[number],
        typeof CacheCountsSchema
      >,
    ),
  }),
  /** Story entropy and per-segment concept alignment with their method (issue 17). */
  storyFigures: StoryFiguresSchema.optional(),
  costs: z.object({
    byType: z.object(
      Object.fromEntries(COST_TYPES.map((t) => [t, CostTotalSchema])) as Record<
        (typeof COST_TYPES)[number],
        typeof CostTotalSchema
      >,
    ),
    totalUsd: z.number().nonnegative(),
    unknownPriceCalls: ms,
    complete: z.boolean(),
    note: z.string(),
    /** The story-generation steps (stories, storyboard). */
    storySteps: z.array(KeyframeStepCostSchema),
  }),
  /**
   * The run's cost at registry prices and its budget (issue 11, `max-cost-usd`; the
   * `CostSummary` of video-report.json and generation-report.json): actual against estimated,
   * billed and refused jobs. `estimated_usd` is null: the compositions and renders take their
   * arguments from earlier model answers, so the real run cannot key them ahead (the dry run's
   * plan.json counts and prices them). Absent in files of earlier versions.
   */
  cost: CostSummarySchema.optional(),
  timings: z.object({
    totalMs: ms,
    storyMs: ms.nullable(),
    productImagesMs: ms,
    framesMs: ms,
    /** When each step started and ended, ms since the frame steps began. */
    steps: z.array(
      z.object({
        id: z.string(),
        status: z.enum(['fulfilled', 'rejected']),
        startedMs: ms.nullable(),
        endedMs: ms,
      }),
    ),
  }),
  /** Set on a retry-segments run. */
  retry: z.object({ segments: z.array(z.number().int().positive()) }).nullable(),
  warnings: z.array(CodeMessageSchema),
})
/** The whole `keyframes.json`. */
export type KeyframesFile = z.infer<typeof KeyframesFileSchema>

/**
 * Reads and validates a `keyframes.json`.
 *
 * @throws KamuiError KF_002 when it cannot be read, is not JSON or does not match
 *   {@link KeyframesFileSchema} (each problem named with its field path)
 */
export async function readKeyframesFile(file: string): Promise<KeyframesFile> {
  const parsed = KeyframesFileSchema.safeParse(await readKeyframesJson(file))
  if (!parsed.success) {
    throw new KamuiError(
      'KF_002',
      `${file} is not a valid keyframes.json: ${describeZodIssues(parsed.error.issues)}.`,
    )
  }
  return parsed.data
}
