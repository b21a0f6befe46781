import path from 'node:path'
import { abortReason } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { ComfyPool } from '../../providers/comfyui/pool.js'
import type { McpPool } from '../../providers/mcp/pool.js'
import type { ModelRegistry } from '../../models/registry.js'
import { GenerationQueue, QueuedJobError } from '../../runner/generation-queue.js'
import {
  fetchImage,
  requestImage,
  type GeneratedImage,
  type ResolvedModel,
} from './generate-one.js'
import type { ImageGenerationInputs } from './inputs.js'
import { fallbackModel } from './model-choice.js'
import type { PlannedImage } from './plan.js'

/** Everything one image job needs from its run. */
export interface ImageJobContext {
  inputs: ImageGenerationInputs
  /** Absolute folder of the run. */
  folder: string
  /** The run's models (round-robin list). */
  models: readonly ResolvedModel[]
  registry: ModelRegistry
  /** True when every model is served by the preview server (no mcp-config). */
  previewMode: boolean
  pool: McpPool
  queue: GenerationQueue
  /** The run's total deadline / cancellation. */
  signal: AbortSignal
  logger: Logger
  pollIntervalMs?: number
  /** ComfyUI servers for `provider: comfyui` models (undefined when no model needs one). */
  comfyPool?: ComfyPool
  /** Environment for the GPU memory check of ComfyUI jobs. */
  env?: Record<string, string | undefined>
}

/** One candidate image of a planned slot: a first attempt or a regeneration. */
export interface Candidate {
  /** 1-based image number of the slot. */
  index: number
  /** 1 for the first candidate of the slot, 2 for a regeneration. */
  attempt: number
  /** The model the candidate was asked of (before any IMG_002 fallback). */
  requested: ResolvedModel
  /** The model that made it (or last tried). */
  model: ResolvedModel
  seed: number
  status: 'ok' | 'failed'
  /** Where the PNG was written, relative to the folder (ok only). */
  file: string | null
  image: GeneratedImage | null
  error: KamuiError | null
  /** Model calls made, retries included. */
  attempts: number
  queueWaitMs: number
  /** Errors of attempts that were retried or fell back. */
  retried: KamuiError[]
  /** From queued to written or failed, ms. */
  totalMs: number
}

/**
 * Makes one candidate image: runs the model call on the queue under a per-image deadline
 * (which starts when the first attempt starts, so waiting for a slot does not eat into it),
 * falls back to another model when the model is not available (IMG_002), fetches the media
 * once the queue slot is free again, and writes the PNG atomically to `file` the moment it
 * exists, so that no image that was made is lost.
 *
 * Never throws: a failure is returned as a candidate with `status: 'failed'` and its error.
 */
export async function makeCandidate(
  planned: PlannedImage,
  requested: ResolvedModel,
  attempt: number,
  file: string,
  context: ImageJobContext,
): Promise<Candidate> {
  const queuedAt = performance.now()
  const tried: ResolvedModel[] = []
  let model: ResolvedModel | undefined = requested
  let attempts = 0
  let queueWaitMs = 0
  const retried: KamuiError[] = []
  const job = {
    prompt: context.inputs.prompt,
    seed: (planned.seed + (attempt - 1) * 1_000_003) % 2 ** 31,
    width: context.inputs.width,
    height: context.inputs.height,
  }
  const deadline = new PerImageDeadline(context.inputs.perImageTimeoutMs, context.signal)
  const result = (
    partial: Pick<Candidate, 'model' | 'status' | 'file' | 'image' | 'error'>,
  ): Candidate => ({
    index: planned.index,
    attempt,
    requested,
    seed: job.seed,
    attempts,
    queueWaitMs,
    retried,
    totalMs: Math.round(performance.now() - queuedAt),
    ...partial,
  })

  try {
    while (model) {
      tried.push(model)
      const current: ResolvedModel = model
      const label = `image ${planned.index}${attempt > 1 ? ` (regeneration)` : ''} (${current.label})`
      try {
        const options = {
          logger: context.logger,
          ...(context.pollIntervalMs !== undefined
            ? { pollIntervalMs: context.pollIntervalMs }
            : {}),
          ...(context.comfyPool ? { comfyPool: context.comfyPool } : {}),
          ...(context.env ? { env: context.env } : {}),
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
        await writeFileAtomic(path.join(context.folder, file), image.png)
        context.logger.info(
          `${label}: ${image.width}×${image.height} written to ${file} ` +
            `(${image.generationMs} ms${answer.attempts > 1 ? `, ${answer.attempts} attempts` : ''}).`,
        )
        return result({ model: current, status: 'ok', file, image, error: null })
      } catch (error) {
        const failure = error instanceof QueuedJobError ? error : undefined
        const kamui =
          failure?.error ??
          (error instanceof KamuiError ? error : new KamuiError('GEN_001', String(error)))
        attempts += failure?.attempts ?? 0
        queueWaitMs ||= failure?.queueWaitMs ?? 0
        retried.push(...(failure?.retriedErrors ?? []))
        const next: ResolvedModel | undefined =
          kamui.code === 'IMG_002' && !current.preview
            ? fallbackModel(
                context,
                tried.map((m) => m.entry.alias),
              )
            : undefined
        if (next) {
          context.logger.warn(`${label}: ${kamui.message} Falling back to ${next.label}.`)
          retried.push(kamui)
          model = next
          continue
        }
        return result({ model: current, status: 'failed', file: null, image: null, error: kamui })
      }
    }
    throw new Error('unreachable')
  } finally {
    deadline.clear()
  }
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
