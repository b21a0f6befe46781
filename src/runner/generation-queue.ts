import pLimit, { type LimitFunction } from 'p-limit'
import PQueue from 'p-queue'
import pRetry from 'p-retry'
import { abortReason, sleep } from '../core/abort.js'
import { KamuiError, errorMessage, isKamuiError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../core/retry-policy.js'
import type { RateLimit } from '../models/types.js'

export { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../core/retry-policy.js'

/** Options of {@link GenerationQueue}. */
export interface GenerationQueueOptions {
  /** Global limit of jobs in flight at once (`max-parallel`, 1–10). */
  maxParallel: number
  /** Limits of one model; a model without a concurrency limit inherits `maxParallel`. */
  rateLimitOf: (model: string) => RateLimit
  retry?: RetryPolicy
  logger: Logger
}

/** What one attempt of a job receives. */
export interface AttemptContext {
  /** 1-based attempt number. */
  attempt: number
  /** Aborts on the job's deadline or on cancellation. */
  signal: AbortSignal
}

/** The outcome of {@link GenerationQueue.run}. */
export interface QueuedResult<T> {
  value: T
  /** Attempts made (1 when the first one succeeded). */
  attempts: number
  /** Time between the job being queued and its first attempt starting, in ms. */
  queueWaitMs: number
  /** Errors of the failed attempts before the success, oldest first. */
  retriedErrors: KamuiError[]
}

/** Thrown by {@link GenerationQueue.run} when every attempt failed. */
export class QueuedJobError extends Error {
  override readonly name = 'QueuedJobError'
  constructor(
    readonly error: KamuiError,
    readonly attempts: number,
    readonly queueWaitMs: number,
    readonly retriedErrors: KamuiError[],
  ) {
    super(error.message, { cause: error })
  }
}

/**
 * The bounded-parallel, multi-model generation queue (SPEC §1, §5, §8).
 *
 * - a global `p-limit` of `maxParallel` jobs in flight;
 * - per model, a `p-queue` with the model's concurrency and a strict sliding 60 s window of
 *   `rpm` starts (requests per minute);
 * - retries with `p-retry` for transient failures only (a {@link KamuiError} with
 *   `retryable`), exponential backoff with jitter; a server's `Retry-After` (as `retryAfterMs`)
 *   is waited out before the backoff delay, so a retry never comes earlier than asked;
 * - every wait is abortable through the job's `AbortSignal` (deadline or cancellation).
 *
 * Every attempt takes a fresh slot of both limits, so a job that waits for its backoff does
 * not hold a slot another job could use.
 */
export class GenerationQueue {
  private readonly global: LimitFunction
  private readonly perModel = new Map<string, PQueue>()
  private readonly retry: RetryPolicy

  constructor(private readonly options: GenerationQueueOptions) {
    this.global = pLimit(options.maxParallel)
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY
  }

  /** Jobs in flight right now (for progress and tests). */
  get activeCount(): number {
    return this.global.activeCount
  }

  /**
   * Runs `task` for `model` under the limits, retrying transient failures.
   *
   * @param model the model alias whose rate limit applies
   * @param label a short name for log lines (`image 3 (flux-schnell)`)
   * @param signal the job's deadline / cancellation signal
   * @throws QueuedJobError wrapping the last {@link KamuiError}; a non-Kamui error is wrapped as
   *   GEN_001, an abort as the signal's reason (IMG_003 on deadline, RUN_001 on cancellation)
   */
  async run<T>(
    model: string,
    label: string,
    signal: AbortSignal,
    task: (context: AttemptContext) => Promise<T>,
  ): Promise<QueuedResult<T>> {
    const queue = this.queueFor(model)
    const queuedAt = performance.now()
    let startedAt: number | undefined
    let attempts = 0
    const retriedErrors: KamuiError[] = []

    const attemptOnce = async (): Promise<T> => {
      try {
        return await queue.add(
          () =>
            this.global(async () => {
              if (signal.aborted) throw abortReason(signal)
              startedAt ??= performance.now()
              attempts += 1
              return task({ attempt: attempts, signal })
            }),
          { signal },
        )
      } catch (error) {
        throw toKamuiError(error, signal)
      }
    }

    try {
      const value = await pRetry(attemptOnce, {
        retries: this.retry.retries,
        factor: 2,
        minTimeout: this.retry.minDelayMs,
        maxTimeout: this.retry.maxDelayMs,
        randomize: true,
        signal,
        shouldRetry: ({ error }) => isKamuiError(error) && error.retryable && !signal.aborted,
        onFailedAttempt: async ({ error, retriesLeft }) => {
          if (!isKamuiError(error) || !error.retryable || retriesLeft === 0) return
          retriedErrors.push(error)
          const wait = error.retryAfterMs
            ? ` after the server's Retry-After of ${error.retryAfterMs} ms`
            : ''
          this.options.logger.warn(
            `${label}: ${error.message}; retrying${wait} (${retriesLeft} left).`,
          )
          if (error.retryAfterMs) await sleep(error.retryAfterMs, signal)
        },
      })
      return { value, attempts, queueWaitMs: waitOf(queuedAt, startedAt), retriedErrors }
    } catch (error) {
      const final = toKamuiError(error, signal)
      throw new QueuedJobError(final, attempts, waitOf(queuedAt, startedAt), retriedErrors)
    }
  }

  private queueFor(model: string): PQueue {
    let queue = this.perModel.get(model)
    if (!queue) {
      const limit = this.options.rateLimitOf(model)
      queue = new PQueue({
        concurrency: Math.min(
          limit.concurrency ?? this.options.maxParallel,
          this.options.maxParallel,
        ),
        ...(limit.rpm ? { interval: 60_000, intervalCap: limit.rpm, strict: true } : {}),
      })
      this.perModel.set(model, queue)
    }
    return queue
  }
}

function waitOf(queuedAt: number, startedAt: number | undefined): number {
  return Math.round((startedAt ?? performance.now()) - queuedAt)
}

function toKamuiError(error: unknown, signal: AbortSignal): KamuiError {
  if (isKamuiError(error)) return error
  if (signal.aborted) return abortReason(signal)
  return new KamuiError('GEN_001', errorMessage(error), { cause: error, retryable: false })
}
