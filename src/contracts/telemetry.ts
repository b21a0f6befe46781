import { z } from 'zod'
import type { RunInfo } from '../core/run-info.js'
import { ProvenanceSchema } from './provenance.js'

/**
 * The telemetry contract (SPEC §7): `metadata/artifact-metadata.json`, written by every stage
 * into its output folder and checked by `kamui verify-telemetry`.
 *
 * Rules that hold for every field below:
 *
 * - Every listed field is **required**: where a value does not apply it is `null`, never
 *   absent, so that a file with a field removed fails validation and names the field.
 * - Objects accept extra fields (a stage may record more than the contract asks); the listed
 *   fields are checked, extra ones are kept as they are.
 * - Times are integers in milliseconds (`*_ms`), sizes in bytes, memory in MiB (2^20 bytes),
 *   money in US dollars, timestamps ISO 8601 with a time zone (`2025-11-13T09:30:00.000Z`).
 */

/** Version of this contract. Bumped on any change that breaks readers. */
export const TELEMETRY_SCHEMA_VERSION = 1

/** Where the file lives, relative to the stage's output folder. */
export const ARTIFACT_METADATA_FILE = 'metadata/artifact-metadata.json'

const ms = z.number().int().nonnegative()

/**
 * The listed fields of a loose object type, without its `[key: string]: unknown` index
 * signature (so that `Omit`, `Pick` and `Partial` keep working on the fields).
 */
export type KnownFields<T> = {
  [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K]
}
const nonEmpty = z.string().min(1)

/** An error or warning: a stable code (`IMG_003`, `GEN_001`, …) and a message without the code. */
export const TelemetryErrorSchema = z.looseObject({
  code: nonEmpty,
  message: z.string(),
})
export type TelemetryError = KnownFields<z.infer<typeof TelemetryErrorSchema>>

/**
 * The run that wrote the file. On GitHub Actions the values come from `GITHUB_RUN_ID`,
 * `GITHUB_WORKFLOW`, `GITHUB_JOB`, `GITHUB_SHA`, `GITHUB_RUN_ATTEMPT` and `GITHUB_REPOSITORY`;
 * on the command line see `runInfoFromEnv` (`local-…` id, workflow and job `local`).
 */
export const RunSchema = z
  .looseObject({
    /** `GITHUB_RUN_ID`, or `local-<start time>` outside Actions. */
    id: nonEmpty,
    /** Workflow name (`GITHUB_WORKFLOW`), or `local`. */
    workflow: nonEmpty,
    /** Job id (`GITHUB_JOB`), or `local`. */
    job: nonEmpty,
    /**
     * Commit the run built (`GITHUB_SHA`, or the HEAD of the git checkout the CLI ran in): 40
     * (SHA-1) or 64 (SHA-256) lowercase hex digits. `null` only when the run was neither on
     * GitHub Actions nor inside a git checkout, so no commit exists.
     */
    commit: z
      .string()
      .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'must be 40 or 64 lowercase hex digits')
      .nullable(),
    /** Attempt number of a re-run (`GITHUB_RUN_ATTEMPT`, 1-based); `null` outside Actions. */
    attempt: z.number().int().positive().nullable(),
    /** `owner/name` (`GITHUB_REPOSITORY`); `null` outside Actions. */
    repository: z.string().nullable(),
    /** When the stage started, ISO 8601. */
    started_at: z.iso.datetime({ offset: true }),
    /** When the stage ended (this file was assembled), ISO 8601. */
    ended_at: z.iso.datetime({ offset: true }),
    /** `ended_at − started_at`, ms. */
    duration_ms: ms,
  })
  .refine((run) => !(Date.parse(run.ended_at) < Date.parse(run.started_at)), {
    message: 'ended_at is before started_at',
    path: ['ended_at'],
  })
export type RunTelemetry = KnownFields<z.infer<typeof RunSchema>>

/** The model that made an artifact; `null` on the artifact when no model made it (reports). */
export const ModelTelemetrySchema = z.looseObject({
  /**
   * The registry alias as recorded in the stage's outputs (`imagen4-fast`), or
   * `preview:<alias>` when the embedded preview server stood in for the alias.
   */
  alias: nonEmpty,
  /** `mcp`, `comfyui`, `lmstudio`, `ollama` or `preview`. */
  provider: nonEmpty,
  /** `mcpServers` key (MCP) or base URL (ComfyUI, LM Studio) that served it; null if unknown. */
  server: z.string().nullable(),
  /** MCP tool called: the sync tool, or the `_submit` tool of submit/status/result; else null. */
  tool: z.string().nullable(),
  /** ComfyUI workflow template name; null for other providers. */
  workflow: z.string().nullable(),
})
export type ModelTelemetry = KnownFields<z.infer<typeof ModelTelemetrySchema>>

/**
 * Phase timings of one artifact, integer ms. A phase the artifact did not go through (no
 * queue, no download, a report file) is `null`.
 */
export const TimingsSchema = z.looseObject({
  /** From being queued to the first attempt starting (concurrency and rate limits). */
  queue_wait_ms: ms.nullable(),
  /** The model call of the successful attempt (submit → result, or the workflow run). */
  generation_ms: ms.nullable(),
  /** Downloading or decoding the media and writing the file. */
  download_ms: ms.nullable(),
  /** From queued to written. */
  total_ms: ms.nullable(),
})
export type Timings = KnownFields<z.infer<typeof TimingsSchema>>

/**
 * GPU memory of the device that made the artifact, MiB (from ComfyUI `/system_stats` or
 * `nvidia-smi`). The whole object is `null` when no GPU took part (hosted MCP models, preview).
 */
export const GpuMemorySchema = z.looseObject({
  /** Memory in use before the job, MiB. */
  before_mib: z.number().nonnegative(),
  /** Memory in use after the job, MiB. */
  after_mib: z.number().nonnegative(),
  /** `after_mib − before_mib`, MiB (negative when the job freed memory). */
  delta_mib: z.number(),
})
export type GpuMemory = KnownFields<z.infer<typeof GpuMemorySchema>>

/**
 * Result of a file-system handoff (a producer writes the file, then a `.done` marker): `null`
 * when the artifact did not come through such a handoff.
 */
export const DoneMarkerSchema = z.looseObject({
  /** `detected`: the marker appeared; `forced_copy`: it never did and the file was copied anyway. */
  result: z.enum(['detected', 'forced_copy']),
  /** Time spent waiting for the marker, ms. */
  waited_ms: ms,
  /** Why a forced copy was made, or null. */
  warning: z.string().nullable(),
})
export type DoneMarker = KnownFields<z.infer<typeof DoneMarkerSchema>>

/**
 * The done-marker handoff of a stage's input folder (SPEC §7): a stage that consumes files
 * another stage made checks the producer folder's done marker
 * (`metadata/artifact-metadata.json.done`, written by atomic rename when that stage finished)
 * and waits for it up to a bounded time.
 */
export const StageDoneMarkerSchema = z.looseObject({
  /**
   * `detected`: the producer's marker was there (or appeared in time); `forced`: it did not
   * appear in time and the files were used as they are (with a warning); `not_applicable`: the
   * stage consumes no other stage's folder (`reason` says why).
   */
  result: z.enum(['detected', 'forced', 'not_applicable']),
  /** The producer folder, relative to the workspace (forward slashes); null when not applicable. */
  producer: z.string().nullable(),
  /** Time spent waiting for the marker, ms; null when not applicable. */
  waited_ms: ms.nullable(),
  /** Why the marker check does not apply, or why the files were used without a marker; else null. */
  reason: z.string().nullable(),
})
export type StageDoneMarker = KnownFields<z.infer<typeof StageDoneMarkerSchema>>

/**
 * Cost of making the artifact. `null` when no paid call was involved (a report or a file the
 * stage derived locally); `usd: null` when a model made it but its price is unknown, with the
 * reason in `basis`.
 */
export const CostSchema = z.looseObject({
  /** US dollars; null when unknown. */
  usd: z.number().nonnegative().nullable(),
  /** How `usd` was obtained, or why it is unknown. */
  basis: nonEmpty,
})
export type Cost = KnownFields<z.infer<typeof CostSchema>>

/** A path relative to the stage folder, with forward slashes, that cannot leave the folder. */
const RelativePathSchema = z
  .string()
  .min(1)
  .refine((p) => !p.includes('\\'), 'must use forward slashes')
  .refine(
    (p) => !p.startsWith('/') && !/^[A-Za-z]:/.test(p),
    'must be relative to the stage folder',
  )
  .refine(
    (p) => p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'must not hold empty, "." or ".." segments',
  )
  .refine((p) => p !== ARTIFACT_METADATA_FILE, 'the metadata file does not list itself')

/** One file the stage wrote. */
export const ArtifactSchema = z.looseObject({
  /** Path relative to the stage folder, forward slashes (`images/generated-image-1.png`). */
  path: RelativePathSchema,
  /** SHA-256 of the file's bytes, 64 lowercase hex digits. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  /** Size of the file, bytes. */
  bytes: z.number().int().nonnegative(),
  /** IANA media type (`image/png`, `video/mp4`, `application/json`, …). */
  media_type: z
    .string()
    .regex(/^[a-z]+\/[a-z0-9][a-z0-9.+_-]*$/, 'must be a media type such as image/png'),
  /** Pixels, for images and videos; null for other files. */
  width: z.number().int().positive().nullable(),
  /** Pixels, for images and videos; null for other files. */
  height: z.number().int().positive().nullable(),
  /** Frame count of videos and animated images; null for stills and other files. */
  frames: z.number().int().positive().nullable(),
  /** Duration of videos and audio, seconds; null otherwise. */
  duration_s: z.number().nonnegative().nullable(),
  /** The model that made it; null when no model did (reports, JSON summaries). */
  model: ModelTelemetrySchema.nullable(),
  timings: TimingsSchema,
  /** Model-call attempts spent on this artifact, retries included; 0 when no model was called. */
  attempts: z.number().int().nonnegative(),
  /** Attempts that failed and were tried again (on the same or a fallback model). */
  retries: z.number().int().nonnegative(),
  /** Errors met while making the artifact (the retried ones); empty when none. */
  errors: z.array(TelemetryErrorSchema),
  gpu_memory: GpuMemorySchema.nullable(),
  done_marker: DoneMarkerSchema.nullable(),
  cost: CostSchema.nullable(),
  /** True when the artifact is preview output of the offline preview server, not a model's. */
  preview: z.boolean(),
  /**
   * The provenance embedded in the file (issue 16: XMP of images, MP4 metadata tags, PLY header
   * comments) as it was when the stage ended; null when the file carries none
   * (`embed-provenance: false`, or a report). Optional so that records of earlier versions
   * verify; `kamui verify-telemetry` checks that the file still carries exactly this.
   */
  provenance: ProvenanceSchema.nullable().optional(),
})
export type Artifact = KnownFields<z.infer<typeof ArtifactSchema>>

/**
 * The ffmpeg a video stage (or the pipeline's video stage) ran: checked at start-up with
 * `ffmpeg -version`. Optional on a stage record: stages that run no ffmpeg leave it out; `null`
 * when a video stage ran without one (hosted clips stored unprobed).
 */
export const FfmpegTelemetrySchema = z.looseObject({
  /** Absolute path of the binary. */
  path: nonEmpty,
  /** The version `ffmpeg -version` printed (`5.1.9-0+deb12u1`, `N-47683-g0e8eb07980-static`). */
  version: nonEmpty,
  /** `system` (PATH or FFMPEG_PATH) or `bundled` (the 2018 @ffmpeg-installer build, by opt-in). */
  source: z.enum(['system', 'bundled']),
})
export type FfmpegTelemetry = KnownFields<z.infer<typeof FfmpegTelemetrySchema>>

/** The record of one stage: what {@link ArtifactMetadataSchema} holds at its top level. */
export const StageRecordSchema = z.looseObject({
  /** Always {@link TELEMETRY_SCHEMA_VERSION}. */
  schema_version: z.literal(TELEMETRY_SCHEMA_VERSION),
  /** The stage (action folder name): `image-generation`, `image-generation-v2`, `keyframes`, … */
  stage: nonEmpty,
  run: RunSchema,
  /** Every file the stage wrote, except this metadata file. */
  artifacts: z.array(ArtifactSchema),
  /** Stage-level failures (images that were not made, cancellation); empty when none. */
  errors: z.array(TelemetryErrorSchema),
  /** The ffmpeg the stage ran (video stages), see {@link FfmpegTelemetrySchema}. */
  ffmpeg: FfmpegTelemetrySchema.nullable().optional(),
  /**
   * The done-marker check of the stage's input folder, see {@link StageDoneMarkerSchema}.
   * Every stage of this version writes it; optional so that records of earlier versions verify.
   */
  done_marker: StageDoneMarkerSchema.optional(),
})
export type StageRecord = KnownFields<z.infer<typeof StageRecordSchema>>

/**
 * `metadata/artifact-metadata.json`: the record of the stage that wrote the file last, plus
 * (optional) `earlier_stages`: the records of other stages that wrote into the same folder
 * before it (image generation, then video generation into the same `folder-name`), so that
 * a later stage does not wipe out the telemetry of an earlier one. Each of those is a full
 * {@link StageRecordSchema} and is verified like the top level.
 */
export const ArtifactMetadataSchema = StageRecordSchema.extend({
  earlier_stages: z.array(StageRecordSchema).optional(),
})
export type ArtifactMetadata = KnownFields<z.infer<typeof ArtifactMetadataSchema>>

/** True when `A` and `B` are the same type (compile-time check). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T

/**
 * `RunInfo` (`src/core/run-info.ts`, on every `StageContext`) is the `run` object without its
 * end; this type stops the build when the two drift apart.
 */
export type RunInfoMatchesSchema = Assert<
  Same<RunInfo, Omit<RunTelemetry, 'ended_at' | 'duration_ms'>>
>
