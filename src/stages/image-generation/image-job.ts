import path from 'node:path'
import { pixelCapFor } from '../../media/to-png.js'
import { abortReason } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { ModelRegistry } from '../../models/registry.js'
import type {
  GeneratedImage,
  ImageJob,
  ImageProvider,
  ResolvedModel,
} from '../../providers/image/provider.js'
import { GenerationQueue, QueuedJobError } from '../../runner/generation-queue.js'
import type { RunJournal } from '../../runner/journal.js'
import { embedImageProvenance } from '../../media/provenance/image.js'
import { provenanceToEmbed, type ProvenanceScope } from '../../media/provenance/record.js'
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
  /** The image provider of a model (the model services' `image`). */
  providerOf: (model: ResolvedModel) => ImageProvider
  queue: GenerationQueue
  /** The run's total deadline / cancellation. */
  signal: AbortSignal
  logger: Logger
  /** The run journal: each written image is recorded as its job's output (resume checks it). */
  journal?: RunJournal | undefined
  /** Provenance embedded in each image written (issue 16); absent: none. */
  provenance?: ProvenanceScope | undefined
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
  const tally = new AttemptTally(planned, requested, attempt, context)
  const deadline = new PerImageDeadline(context.inputs.perImageTimeoutMs, context.signal)
  const tried: ResolvedModel[] = []
  let model: ResolvedModel | undefined = requested
  try {
    while (model) {
      tried.push(model)
      const label = `image ${planned.index}${attempt > 1 ? ` (regeneration)` : ''} (${model.label})`
      try {
        const image = await makeImage(model, tally, label, deadline, context)
        const bytes = await embedImageProvenance(
          image.png,
          provenanceToEmbed(context.provenance, {
            model: model.label,
            provider: model.preview ? 'preview' : model.entry.provider,
            algorithmic: model.preview,
            prompt: tally.job.prompt,
            seed: tally.job.seed,
            jobKey: image.jobKey ?? null,
          }),
        )
        await writeFileAtomic(path.join(context.folder, file), bytes)
        if (image.jobKey) await context.journal?.recordOutput(image.jobKey, file, bytes)
        context.logger.info(
          `${label}: ${image.width}×${image.height} written to ${file} ` +
            `(${image.generationMs} ms${tally.lastAttempts > 1 ? `, ${tally.lastAttempts} attempts` : ''}).`,
        )
        return tally.result({ model, status: 'ok', file, image, error: null })
      } catch (error) {
        const kamui = tally.failed(error)
        const next = nextModel(kamui, model, tried, context)
        if (!next)
          return tally.result({ model, status: 'failed', file: null, image: null, error: kamui })
        context.logger.warn(`${label}: ${kamui.message} Falling back to ${next.label}.`)
        tally.retried.push(kamui)
        model = next
      }
    }
    throw new Error('unreachable')
  } finally {
    deadline.clear()
  }
}

/** One model's attempt at the image: the call on the queue, then the fetch outside it. */
async function makeImage(
  model: ResolvedModel,
  tally: AttemptTally,
  label: string,
  deadline: PerImageDeadline,
  context: ImageJobContext,
): Promise<GeneratedImage> {
  const { logger } = context
  const provider = context.providerOf(model)
  const answer = await context.queue.run(model.label, label, deadline.signal, ({ signal }) => {
    deadline.start(label)
    return provider.request(tally.job, { signal, logger })
  })
  tally.succeeded(answer)
  // Outside the queue: the model slot is free again while the media downloads.
  return provider
    .fetch(answer.value, {
      signal: deadline.signal,
      logger,
      maxPixels: pixelCapFor(tally.job.width, tally.job.height),
    })
    .catch((error: unknown) => {
      throw deadline.signal.aborted ? abortReason(deadline.signal) : error
    })
}

/** After IMG_002 (model not available), the next model to try, if any. */
function nextModel(
  error: KamuiError,
  current: ResolvedModel,
  tried: readonly ResolvedModel[],
  context: ImageJobContext,
): ResolvedModel | undefined {
  if (error.code !== 'IMG_002' || current.preview) return undefined
  // A configured server that could not be started may be the one serving this model: falling
  // back to models nobody asked for would hide the broken mcp-config entry (issue 14).
  const cause = error.cause
  if (cause instanceof KamuiError && cause.code === 'MCP_001' && !cause.retryable) return undefined
  return fallbackModel(
    context,
    tried.map((m) => m.entry.alias),
  )
}

/** Attempts, queue wait and retried errors of one candidate, across its models. */
class AttemptTally {
  readonly job: ImageJob
  readonly retried: KamuiError[] = []
  private readonly queuedAt = performance.now()
  private attempts = 0
  private queueWaitMs = 0
  /** Attempts of the last successful model call. */
  lastAttempts = 0

  constructor(
    private readonly planned: PlannedImage,
    private readonly requested: ResolvedModel,
    private readonly attempt: number,
    context: ImageJobContext,
  ) {
    this.job = {
      prompt: context.inputs.prompt,
      seed: (planned.seed + (attempt - 1) * 1_000_003) % 2 ** 31,
      width: context.inputs.width,
      height: context.inputs.height,
    }
  }

  succeeded(answer: { attempts: number; queueWaitMs: number; retriedErrors: KamuiError[] }): void {
    this.attempts += answer.attempts
    this.lastAttempts = answer.attempts
    this.queueWaitMs ||= answer.queueWaitMs
    this.retried.push(...answer.retriedErrors)
  }

  /** Records a failed model call and returns its error. */
  failed(error: unknown): KamuiError {
    const failure = error instanceof QueuedJobError ? error : undefined
    if (failure) {
      this.attempts += failure.attempts
      this.queueWaitMs ||= failure.queueWaitMs
      this.retried.push(...failure.retriedErrors)
    }
    return (
      failure?.error ??
      (error instanceof KamuiError ? error : new KamuiError('GEN_001', String(error)))
    )
  }

  result(partial: Pick<Candidate, 'model' | 'status' | 'file' | 'image' | 'error'>): Candidate {
    return {
      index: this.planned.index,
      attempt: this.attempt,
      requested: this.requested,
      seed: this.job.seed,
      attempts: this.attempts,
      queueWaitMs: this.queueWaitMs,
      retried: this.retried,
      totalMs: Math.round(performance.now() - this.queuedAt),
      ...partial,
    }
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
