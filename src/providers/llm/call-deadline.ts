import { abortReason } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { LlmTimeouts } from './types.js'

/** Default deadlines of one LLM call (see {@link LlmTimeouts}). */
export const DEFAULT_LLM_TIMEOUTS: LlmTimeouts = {
  firstTokenMs: 300_000,
  idleMs: 60_000,
  generationMs: 300_000,
}

/** Limit of a model-list request, ms (listing is instant on a running server). */
export const LIST_TIMEOUT_MS = 10_000

/**
 * The deadlines of one LLM call, in phases:
 *
 * 1. until the first token: `firstTokenMs` (generous: just-in-time model loading happens here);
 * 2. after it: at most `idleMs` between chunks and `generationMs` in all.
 *
 * {@link signal} aborts with a KamuiError LLM_001 that says which deadline passed (and that a
 * model may still be loading), or with the caller's reason when the caller's signal aborts.
 */
export class CallDeadline {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private phaseTimer: NodeJS.Timeout | undefined
  private generationTimer: NodeJS.Timeout | undefined
  private firstTokenAt: number | undefined
  readonly startedAt = performance.now()

  /**
   * @param what names the server and model in messages, e.g. `LM Studio at http://…, model "x"`
   * @param firstTokenBudgetMs how long the first phase may last (default `timeouts.firstTokenMs`;
   *   a non-streamed call passes `firstTokenMs + generationMs`, since its first byte is the
   *   whole answer)
   */
  constructor(
    private readonly timeouts: LlmTimeouts,
    private readonly what: string,
    private readonly callerSignal?: AbortSignal,
    firstTokenBudgetMs = timeouts.firstTokenMs,
  ) {
    this.signal = callerSignal
      ? AbortSignal.any([this.controller.signal, callerSignal])
      : this.controller.signal
    this.phaseTimer = this.timer(
      firstTokenBudgetMs,
      `${what} sent no answer within ${seconds(firstTokenBudgetMs)} (first-token deadline). ` +
        'A model loaded just in time can take minutes on its first request; raise the ' +
        'first-token timeout (llm-first-token-timeout) or load the model beforehand (lms load).',
    )
  }

  /** Milliseconds from the start to the first token (or to now when none came yet). */
  get firstTokenMs(): number {
    return Math.round((this.firstTokenAt ?? performance.now()) - this.startedAt)
  }

  /** Called on every chunk of the answer: ends the first phase, restarts the idle timer. */
  chunk(): void {
    if (this.controller.signal.aborted) return
    if (this.firstTokenAt === undefined) {
      this.firstTokenAt = performance.now()
      this.generationTimer = this.timer(
        this.timeouts.generationMs,
        `${this.what} was still generating after ${seconds(this.timeouts.generationMs)}.`,
      )
    }
    clearTimeout(this.phaseTimer)
    this.phaseTimer = this.timer(
      this.timeouts.idleMs,
      `${this.what} stopped sending tokens for ${seconds(this.timeouts.idleMs)}.`,
    )
  }

  /** Stops the timers (call in `finally`). */
  clear(): void {
    clearTimeout(this.phaseTimer)
    clearTimeout(this.generationTimer)
  }

  /**
   * The error to throw for `error` raised during the call: the deadline's LLM_001 when a
   * deadline passed, the caller's reason when the caller aborted, else `error` itself.
   */
  reason(error: unknown): unknown {
    if (this.callerSignal?.aborted) return abortReason(this.callerSignal)
    if (this.controller.signal.aborted) return this.controller.signal.reason as unknown
    return error
  }

  private timer(ms: number, message: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.controller.abort(new KamuiError('LLM_001', message)), ms)
    timer.unref?.()
    return timer
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
