import { sleep } from '../core/abort.js'
import type { ReadyWindowMs } from '../providers/kinds/job.js'
import type { LatencyEstimate, PollTurn } from './poll-schedule.js'

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
  /** The random offset of the turns of the jobs followed now, drawn when the first one started. */
  offset: number
}

/** The key of a model's latencies: its MCP server and its sync or submit tool. */
export function latencyModelKey(server: string, tool: string): string {
  return `${server}\u0000${tool}`
}

/**
 * What one run learns of its models' latencies (issue 12 §1), in memory: for each model (a key
 * such as `server / submit tool`), when its finished jobs became ready — after their last
 * "not ready" status call and by the call that saw them complete — and the jobs still being
 * followed. The estimate feeds the poll schedule (`poll-schedule.ts`); a job that completes also
 * wakes the jobs of the same model that have run at least as long, so jobs submitted together
 * are noticed together, and the jobs followed at the same time take turns on the schedule's grid
 * ({@link FollowedJob.turn}). The run journal of earlier runs of the folder seeds it through
 * {@link observe} (`RunJournal.readyWindows`, opened by `ModelServices`).
 */
export class ModelLatencies {
  private readonly models = new Map<string, ModelRecord>()

  /** @param random uniform numbers in [0, 1) for the turns' offsets (default `Math.random`). */
  constructor(private readonly random: () => number = Math.random) {}

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
    if (record.following.size === 0) record.offset = this.random()
    record.following.add(job)
    return job
  }

  /** @internal The turn of `job` among the jobs of its model followed now. */
  turnOf(job: FollowedJob): PollTurn {
    const record = this.record(job.model)
    const index = [...record.following].indexOf(job)
    if (index < 0) return { index: 0, of: 1, offset: record.offset }
    return { index, of: record.following.size, offset: record.offset }
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
      record = { observations: [], following: new Set(), offset: 0 }
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

  /** The job's turn among the jobs of its model followed now (for the poll schedule). */
  turn(): PollTurn {
    return this.latencies.turnOf(this)
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

  /**
   * A status call answered `answeredMs` after submit found the job completed: learns when it
   * became ready, wakes its siblings, and returns that window (ms after submit, rounded).
   */
  ready(answeredMs: number): ReadyWindowMs {
    this.latencies.observe(this.model, this.lastNotReadyMs, answeredMs)
    this.latencies.completed(this.model, this, this.lastNotReadyMs)
    return { afterMs: Math.round(this.lastNotReadyMs), byMs: Math.round(answeredMs) }
  }

  /** Stops following the job (idempotent). */
  close(): void {
    this.release()
  }
}
