import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import {
  QueuedJobError,
  type GenerationQueue,
  type QueuedResult,
} from '../../runner/generation-queue.js'
import type { FfmpegTools } from '../../media/video/ffmpeg.js'
import type { RunJournal } from '../../runner/journal.js'
import type { ClipMedia, VideoProvider } from '../../providers/video/provider.js'
import type { AspectRatio } from '../../media/video/size.js'
import { storeClip, type StoredClip } from '../../media/video/store-clip.js'
import { clipRequest } from './clip-request.js'
import type { ResolvedFrame } from './frames.js'
import type { ClipPlan } from './keyframes.js'
import { clipFile, type ClipRecord, type FrameRecord } from './report.js'

/** What {@link makeClip} needs besides the plan. */
export interface MakeClipContext {
  folder: string
  provider: VideoProvider
  queue: GenerationQueue
  /** ffmpeg for probing and conversion; undefined when none is available (hosted models only). */
  tools: FfmpegTools | undefined
  fps: number
  aspect: AspectRatio | undefined
  /** Deadline of the clip (queue wait, generation, download, storing), ms. */
  timeoutMs: number
  /** Cancellation of the run. */
  signal: AbortSignal | undefined
  logger: Logger
  /** The folder's run journal (issue 11), when the run keeps one. */
  journal?: RunJournal | undefined
  /** Segments of the whole video (the highest segment number), for "segment 2/5" lines. */
  segments?: number
}

/**
 * Makes one clip: generates it on the generation queue under the clip's deadline (retrying
 * transient failures), then verifies and stores it as `videos/segment-{N}.mp4`. Never throws
 * for a failed clip: the failure is in the returned record (a job that reports `failed` is
 * VID_002 naming the segment and the model's reason; the deadline is IMG_003).
 */
export async function makeClip(
  plan: ClipPlan,
  first: ResolvedFrame,
  last: ResolvedFrame | undefined,
  ctx: MakeClipContext,
): Promise<ClipRecord> {
  const { provider } = ctx
  const what = clipLabel(plan, ctx)
  const started = performance.now()
  const deadline = deadlineSignal(ctx.timeoutMs, 'The clip (video-timeout)', ctx.signal)
  const base = baseRecord(plan, first, last, ctx)
  try {
    ctx.logger.info(`${what}: generating a ${plan.durationS} s clip.`)
    const queued = await ctx.queue.run(provider.label, what, deadline.signal, ({ signal }) =>
      provider.generate(clipRequest(plan, { first, last }, ctx), { signal, logger: ctx.logger }),
    )
    const storeStarted = performance.now()
    const { file, stored } = await storeGenerated(plan.segment, queued.value, ctx, {
      what,
      signal: deadline.signal,
    })
    return okRecord(base, queued, { file, stored, storeStarted, started })
  } catch (error) {
    return failedRecord(base, error, what, started)
  } finally {
    deadline.clear()
  }
}

/** How the log and the errors name the clip: `segment 2/5 (model)` (`segment 2 (model)` without a total). */
function clipLabel(plan: ClipPlan, ctx: MakeClipContext): string {
  const of = ctx.segments && ctx.segments >= plan.segment ? `/${ctx.segments}` : ''
  return `segment ${plan.segment}${of} (${ctx.provider.label})`
}

/**
 * Verifies and stores the generated clip as `videos/segment-{N}.mp4` in the folder (see
 * {@link storeClip}), records the stored file as the job's output in the run journal (when the
 * media has a job key and the run keeps a journal) and logs what was stored.
 *
 * @returns the file (relative to the folder) and what storing measured
 * @throws what {@link storeClip} throws (for example on the deadline's `signal`)
 */
async function storeGenerated(
  segment: number,
  media: ClipMedia,
  ctx: MakeClipContext,
  how: { what: string; signal: AbortSignal },
): Promise<{ file: string; stored: StoredClip }> {
  const { what } = how
  const file = clipFile(segment)
  const stored = await storeClip(media.bytes, path.join(ctx.folder, file), ctx.tools, {
    signal: how.signal,
    logger: ctx.logger,
    what,
  })
  // The clip as stored is the job's output: a re-run reuses it, the job cache keeps it.
  if (media.jobKey && ctx.journal)
    await ctx.journal.recordOutput(media.jobKey, file, await readFile(path.join(ctx.folder, file)))
  const probe = stored.probe
  ctx.logger.info(
    `${what}: ${file}` +
      (probe
        ? ` (${probe.width}x${probe.height}, ${probe.frames ?? '?'} frames, ${probe.durationS?.toFixed(2) ?? '?'} s)`
        : '') +
      '.',
  )
  return { file, stored }
}

/**
 * The record of a clip made and stored. `made.storeStarted` and `made.started` are
 * `performance.now()` readings (ms) taken when storing and the whole clip began; the download
 * time is the provider's plus storing's.
 */
function okRecord(
  base: Omit<ClipRecord, 'status' | 'error'>,
  queued: QueuedResult<ClipMedia>,
  made: { file: string; stored: StoredClip; storeStarted: number; started: number },
): ClipRecord {
  const media = queued.value
  return {
    ...base,
    status: 'ok',
    file: made.file,
    url: media.url ?? null,
    server: media.server,
    tools: media.tools,
    workflow: media.workflow,
    request_id: media.requestId ?? null,
    video: videoRecord(made.stored),
    timings: {
      queue_wait_ms: Math.round(queued.queueWaitMs),
      generation_ms: media.generationMs,
      download_ms: media.downloadMs + Math.round(performance.now() - made.storeStarted),
      total_ms: Math.round(performance.now() - made.started),
    },
    attempts: queued.attempts,
    retried_errors: queued.retriedErrors.map((e) => e.toJSON()),
    gpu_memory: media.gpuMemory,
    error: null,
  }
}

/**
 * The record of a failed clip: the error as {@link clipError} words it, the attempts and retried
 * errors of a failed queued job (none otherwise), and the total time since `started`
 * (a `performance.now()` reading, ms).
 */
function failedRecord(
  base: Omit<ClipRecord, 'status' | 'error'>,
  error: unknown,
  what: string,
  started: number,
): ClipRecord {
  const queuedFailure = error instanceof QueuedJobError ? error : undefined
  return {
    ...base,
    status: 'failed',
    timings: { ...base.timings, total_ms: Math.round(performance.now() - started) },
    attempts: queuedFailure?.attempts ?? 0,
    retried_errors: queuedFailure?.retriedErrors.map((e) => e.toJSON()) ?? [],
    error: clipError(error, what).toJSON(),
  }
}

/** The record of a clip before it is made: the request, the frames, nothing measured yet. */
function baseRecord(
  plan: ClipPlan,
  first: ResolvedFrame,
  last: ResolvedFrame | undefined,
  ctx: MakeClipContext,
): Omit<ClipRecord, 'status' | 'error'> {
  const { provider } = ctx
  return {
    segment: plan.segment,
    file: null,
    model: provider.label,
    provider: provider.provider,
    preview: provider.preview,
    url: null,
    server: null,
    tools: [],
    workflow: null,
    request_id: null,
    prompt: plan.prompt,
    requested: {
      duration_s: plan.durationS,
      fps: ctx.fps,
      aspect_ratio: ctx.aspect?.text ?? null,
    },
    first_frame: frameRecord(first),
    last_frame: last ? frameRecord(last) : null,
    video: null,
    timings: { queue_wait_ms: null, generation_ms: null, download_ms: null, total_ms: null },
    attempts: 0,
    retried_errors: [],
    gpu_memory: null,
  }
}

/** What the stored clip measured, or null when it could not be probed (no ffprobe). */
function videoRecord(stored: StoredClip): ClipRecord['video'] {
  const probe = stored.probe
  if (!probe) return null
  return {
    codec: probe.codec,
    pixel_format: probe.pixelFormat,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    frames: probe.frames,
    duration_s: probe.durationS,
    container: probe.container,
    checked_with: stored.verifiedBy,
    converted: stored.converted,
  }
}

/**
 * The error of a failed clip as a {@link KamuiError}: a job the model reported as failed
 * (GEN_001) becomes VID_002 naming the segment and the model's reason; other codes (IMG_003 on
 * the deadline, IMG_007, GEN_002, …) keep their code, with the segment named.
 */
export function clipError(error: unknown, what: string): KamuiError {
  const inner = error instanceof QueuedJobError ? error.error : error
  if (inner instanceof KamuiError) {
    if (inner.code === 'GEN_001') {
      return new KamuiError('VID_002', `${what}: the video job failed: ${inner.detail}`, {
        cause: inner,
      })
    }
    return new KamuiError(
      inner.code,
      inner.detail.startsWith(what) ? inner.detail : `${what}: ${inner.detail}`,
      {
        cause: inner,
        retryable: inner.retryable,
      },
    )
  }
  return new KamuiError(
    'VID_002',
    `${what}: ${error instanceof Error ? error.message : String(error)}`,
    {
      cause: error,
    },
  )
}

function frameRecord(frame: ResolvedFrame): FrameRecord {
  return { origin: frame.origin, width: frame.width, height: frame.height, skipped: frame.skipped }
}
