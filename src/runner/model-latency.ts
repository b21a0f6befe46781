import { sleep } from '../core/abort.js'
import type { LatencyEstimate } from './poll-schedule.js'

/** Observations kept per model (the most recent ones). */
const KEPT = 8

/** When a finished job became ready, ms after its submit: after `lowerMs`, by `upperMs`. */
interface ReadyWindow {
  lowerMs: number
  upperMs: number
}

interface ModelRecord {
  observations: ReadyWindow[]
  following: Set<FollowedJob>
}

/**
 * What one run learns of its models' latencies (issue 12 §1), in memory: for each model (a key
 * such as `server / submit tool`), when its finished jobs became ready — after their last
 * "not ready" status call and by the call that saw them complete — and the jobs still being
 * followed. The estimate feeds the poll schedule (`poll-schedule.ts`); a job that completes also
 * wakes the jobs of the same model that have run at least as long, so jobs submitted together
 * are noticed together. A journal of earlier runs can seed it through {@link observe}.
 */
export class ModelLatencies {
  private readonly models = new Map<string, ModelRecord>()

  /**
   * The latency estimate of `model`, undefined before any of its jobs finished. When the ready
   * windows of its recent jobs overlap (a steady latency), the middle of their intersection,
   * with the intersection's width as spread; otherwise the median of the windows' middles, with
   * their range as spread.
   */
  estimate(model: string): LatencyEstimate | undefined {
    const observations = this.models.get(model)?.observations ?? []
    if (observations.length === 0) return undefined
    const lower = Math.max(...observations.map((o) => o.lowerMs))
    const upper = Math.min(...observations.map((o) => o.upperMs))
    if (lower <= upper) return { expectedMs: (lower + upper) / 2, spreadMs: upper - lower }
    const middles = observations.map((o) => (o.lowerMs + o.upperMs) / 2).sort((a, b) => a - b)
    const median = middles[Math.floor(middles.length / 2)] as number
    return { expectedMs: median, spreadMs: (middles.at(-1) as number) - (middles[0] as number) }
  }

  /** Records that a job of `model` became ready after `lowerMs` and by `upperMs` (ms after submit). */
  observe(model: string, lowerMs: number, upperMs: number): void {
    const record = this.record(model)
    record.observations.push({ lowerMs: Math.max(0, lowerMs), upperMs: Math.max(lowerMs, upperMs) })
    if (record.observations.length > KEPT) record.observations.shift()
  }

  /** Starts following a job of `model` submitted at `startedAt` (`performance.now()`). */
  follow(model: string, startedAt: number): FollowedJob {
    const job = new FollowedJob(model, startedAt, this, () => record.following.delete(job))
    const record = this.record(model)
    record.following.add(job)
    return job
  }

  /** @internal A job of `model` completed; wake those followed that have run at least `lowerMs`. */
  completed(model: string, from: FollowedJob, lowerMs: number): void {
    for (const job of this.models.get(model)?.following ?? []) {
      if (job !== from && job.elapsedMs() >= lowerMs) job.wake()
    }
  }

  private record(model: string): ModelRecord {
    let record = this.models.get(model)
    if (!record) {
      record = { observations: [], following: new Set() }
      this.models.set(model, record)
    }
    return record
  }
}

/** One job followed by {@link ModelLatencies}: its clock, its waits and its ready window. */
export class FollowedJob {
  /** ms after submit of the last status call that found the job not ready. */
  private lastNotReadyMs = 0
  private wakeUp: (() => void) | undefined

  constructor(
    readonly model: string,
    private readonly startedAt: number,
    private readonly latencies: ModelLatencies,
    private readonly release: () => void,
  ) {}

  /** ms since submit. */
  elapsedMs(): number {
    return performance.now() - this.startedAt
  }

  /** The model's current estimate. */
  estimate(): LatencyEstimate | undefined {
    return this.latencies.estimate(this.model)
  }

  /** Waits `ms`, less when a job of the same model completes meanwhile; rejects when `signal` aborts. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wakeUp = resolve))
    const timer = new AbortController()
    const both = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal
    const sleeping = sleep(ms, both)
    sleeping.catch(() => undefined) // its rejection is handled by the race below
    try {
      await Promise.race([sleeping, woken])
    } catch (error) {
      if (!timer.signal.aborted) throw error
    } finally {
      this.wakeUp = undefined
      timer.abort()
    }
  }

  /** @internal Ends the current wait now. */
  wake(): void {
    this.wakeUp?.()
  }

  /** A status call sent `sentMs` after submit found the job not ready. */
  notReady(sentMs: number): void {
    this.lastNotReadyMs = sentMs
  }

  /** A status call answered `answeredMs` after submit found the job completed. */
  ready(answeredMs: number): void {
    this.latencies.observe(this.model, this.lastNotReadyMs, answeredMs)
    this.latencies.completed(this.model, this, this.lastNotReadyMs)
  }

  /** Stops following the job (idempotent). */
  close(): void {
    this.release()
  }
}
