import path from 'node:path'
import { abortReason } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { McpPool } from '../../mcp/pool.js'
import { FALLBACK_ORDER } from '../../models/builtin.js'
import type { ModelRegistry } from '../../models/registry.js'
import { GenerationQueue, QueuedJobError } from '../../queue/generation-queue.js'
import {
  fetchImage,
  requestImage,
  type GeneratedImage,
  type ResolvedModel,
} from './generate-one.js'
import type { ImageGenerationInputs } from './inputs.js'
import type { PlannedImage } from './plan.js'
import type { ImageRecord } from './report.js'

/** Everything one image job needs from its run. */
export interface ImageJobContext {
  inputs: ImageGenerationInputs
  /** Absolute folder of the run. */
  folder: string
  /** The run's models (round-robin list). */
  models: readonly ResolvedModel[]
  registry: ModelRegistry
  pool: McpPool
  queue: GenerationQueue
  /** The run's total deadline / cancellation. */
  signal: AbortSignal
  logger: Logger
  pollIntervalMs?: number
  /** Where the image goes, relative to the folder. */
  file: string
  /** Why `quality_score` is null. */
  qualityNote: string
}

/**
 * Makes one planned image: runs it on the queue under its per-image deadline (which starts
 * when its first attempt starts, so waiting for a slot does not eat into it), falls back to
 * another model when its model is not available (IMG_002), and writes the PNG atomically the
 * moment it exists, so that no image that was made is lost.
 *
 * Never throws: a failure is returned as a record with `status: 'failed'` and its error.
 */
export async function runImageJob(
  planned: PlannedImage,
  context: ImageJobContext,
): Promise<ImageRecord> {
  const queuedAt = performance.now()
  const first = context.models.find((m) => m.requested === planned.model) as ResolvedModel
  const tried: ResolvedModel[] = []
  let model: ResolvedModel | undefined = first
  let attempts = 0
  let queueWaitMs = 0
  const retried: KamuiError[] = []
  const job = {
    prompt: context.inputs.prompt,
    seed: planned.seed,
    width: context.inputs.width,
    height: context.inputs.height,
  }
  const deadline = new PerImageDeadline(context.inputs.perImageTimeoutMs, context.signal)

  try {
    while (model) {
      tried.push(model)
      const label = `image ${planned.index} (${model.label})`
      try {
        const current: ResolvedModel = model
        const options = {
          logger: context.logger,
          ...(context.pollIntervalMs !== undefined
            ? { pollIntervalMs: context.pollIntervalMs }
            : {}),
        }
        const answer = await context.queue.run(
          current.label,
          label,
          deadline.signal,
          ({ signal }) => {
            deadline.start(label)
            return requestImage(context.pool, current, job, { ...options, signal })
          },
        )
        attempts += answer.attempts
        queueWaitMs ||= answer.queueWaitMs
        retried.push(...answer.retriedErrors)
        // Outside the queue: the model slot is free again while the media downloads.
        const image = await fetchImage(answer.value, { ...options, signal: deadline.signal }).catch(
          (error: unknown) => {
            throw deadline.signal.aborted ? abortReason(deadline.signal) : error
          },
        )
        await writeFileAtomic(path.join(context.folder, context.file), image.png)
        context.logger.info(
          `${label}: ${image.width}×${image.height} written to ${context.file} ` +
            `(${image.generationMs} ms${answer.attempts > 1 ? `, ${answer.attempts} attempts` : ''}).`,
        )
        return okRecord(planned, first, model, image, context, {
          attempts,
          queueWaitMs,
          retried,
          totalMs: Math.round(performance.now() - queuedAt),
        })
      } catch (error) {
        const failure = error instanceof QueuedJobError ? error : undefined
        const kamui =
          failure?.error ??
          (error instanceof KamuiError ? error : new KamuiError('GEN_001', String(error)))
        attempts += failure?.attempts ?? 0
        queueWaitMs ||= failure?.queueWaitMs ?? 0
        retried.push(...(failure?.retriedErrors ?? []))
        const next: ResolvedModel | undefined =
          kamui.code === 'IMG_002' && !model.preview ? fallbackFor(context, tried) : undefined
        if (next) {
          context.logger.warn(`${label}: ${kamui.message} Falling back to ${next.label}.`)
          retried.push(kamui)
          model = next
          continue
        }
        return failedRecord(planned, first, model, kamui, context, {
          attempts,
          queueWaitMs,
          retried,
          totalMs: Math.round(performance.now() - queuedAt),
        })
      }
    }
    throw new Error('unreachable')
  } finally {
    deadline.clear()
  }
}

/** The next model to try after IMG_002: the run's other models, then the built-in fallback order. */
function fallbackFor(
  context: ImageJobContext,
  tried: readonly ResolvedModel[],
): ResolvedModel | undefined {
  const triedAliases = new Set(tried.map((m) => m.entry.alias))
  const fromRun = context.models.find((m) => !triedAliases.has(m.entry.alias))
  if (fromRun) return fromRun
  for (const alias of FALLBACK_ORDER) {
    const entry = context.registry.find(alias)
    if (!entry || triedAliases.has(alias) || entry.provider !== 'mcp' || entry.kind !== 'image')
      continue
    return { requested: alias, entry, label: alias, preview: false }
  }
  return undefined
}

/** A per-image deadline linked to the run's signal; its clock starts with the first attempt. */
class PerImageDeadline {
  private readonly controller = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private readonly onRunAbort = (): void => this.controller.abort(this.runSignal.reason)

  constructor(
    private readonly timeoutMs: number,
    private readonly runSignal: AbortSignal,
  ) {
    if (runSignal.aborted) this.controller.abort(runSignal.reason)
    else runSignal.addEventListener('abort', this.onRunAbort, { once: true })
  }

  get signal(): AbortSignal {
    return this.controller.signal
  }

  start(label: string): void {
    this.timer ??= setTimeout(() => {
      this.controller.abort(
        new KamuiError(
          'IMG_003',
          `${label} did not finish within ${this.timeoutMs / 1000} s (per-image-timeout).`,
        ),
      )
    }, this.timeoutMs)
  }

  clear(): void {
    clearTimeout(this.timer)
    this.runSignal.removeEventListener('abort', this.onRunAbort)
  }
}

interface Bookkeeping {
  attempts: number
  queueWaitMs: number
  retried: KamuiError[]
  totalMs: number
}

function base(
  planned: PlannedImage,
  first: ResolvedModel,
  model: ResolvedModel,
  book: Bookkeeping,
  context: ImageJobContext,
): Omit<
  ImageRecord,
  | 'file'
  | 'status'
  | 'server'
  | 'tools'
  | 'request_id'
  | 'url'
  | 'file_size_bytes'
  | 'width'
  | 'height'
  | 'resolution'
  | 'timings'
  | 'error'
> {
  return {
    index: planned.index,
    requested_model: first.label,
    model: model.label,
    fallback_from: model === first ? null : first.label,
    preview: model.preview,
    provider: model.preview ? 'preview' : model.entry.provider,
    seed: planned.seed,
    quality_score: null,
    quality_note: context.qualityNote,
    attempts: book.attempts,
    retried_errors: book.retried.map((e) => e.toJSON()),
  }
}

function okRecord(
  planned: PlannedImage,
  first: ResolvedModel,
  model: ResolvedModel,
  image: GeneratedImage,
  context: ImageJobContext,
  book: Bookkeeping,
): ImageRecord {
  return {
    ...base(planned, first, model, book, context),
    file: context.file,
    status: 'ok',
    server: image.server,
    tools: image.tools,
    request_id: image.requestId ?? null,
    url: image.url ?? null,
    file_size_bytes: image.png.byteLength,
    width: image.width,
    height: image.height,
    resolution: `${image.width}x${image.height}`,
    timings: {
      queue_wait_ms: book.queueWaitMs,
      generation_ms: image.generationMs,
      download_ms: image.downloadMs,
      total_ms: book.totalMs,
    },
    error: null,
  }
}

function failedRecord(
  planned: PlannedImage,
  first: ResolvedModel,
  model: ResolvedModel,
  error: KamuiError,
  context: ImageJobContext,
  book: Bookkeeping,
): ImageRecord {
  return {
    ...base(planned, first, model, book, context),
    file: null,
    status: 'failed',
    server: null,
    tools: [],
    request_id: null,
    url: null,
    file_size_bytes: null,
    width: null,
    height: null,
    resolution: null,
    timings: {
      queue_wait_ms: book.queueWaitMs,
      generation_ms: null,
      download_ms: null,
      total_ms: book.totalMs,
    },
    error: error.toJSON(),
  }
}
