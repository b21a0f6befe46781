import { KamuiError, errorMessage } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { ComfyClient, type ComfyClientOptions } from './client.js'

/**
 * A pool of ComfyUI servers (one per GPU or machine) that sends each job to the least-loaded
 * healthy one, so a runner fleet scales past one GPU.
 *
 * Health and load come from one `GET /queue` per server per pick (a short deadline): a server
 * that does not answer, answers 5xx or is not ComfyUI is skipped for this job. Load is the
 * number of distinct prompts the server has running or pending, counting our own in-flight jobs
 * once: prompt ids in its queue ∪ ids of our jobs on it, plus our jobs there that are not yet
 * submitted (reserved, uploading). Ties go to the server with fewer of our jobs, then to the
 * earlier URL.
 */

/** Options of {@link ComfyPool}. */
export interface ComfyPoolOptions extends ComfyClientOptions {
  logger?: Logger
  /** Deadline of the `GET /queue` health check, ms (default 3000). */
  healthTimeoutMs?: number
}

/** A server chosen for one job. Call {@link ComfyLease.release} when the job ends. */
export interface ComfyLease {
  client: ComfyClient
  /** The load seen when it was chosen (before this job). */
  load: number
  /** Records the job's prompt id (so the server's queue and our count are not added twice). */
  setPromptId(promptId: string): void
  release(): void
}

/** What a health check found for one server. */
export interface ServerHealth {
  url: string
  healthy: boolean
  /** Distinct running + pending prompts, ours included; null when unhealthy. */
  load: number | null
  /** Why it is unhealthy. */
  reason?: string
}

interface Slot {
  client: ComfyClient
  /** Our jobs on this server: lease id → prompt id once submitted. */
  jobs: Map<number, string | undefined>
}

export class ComfyPool {
  private readonly slots: Slot[]
  private readonly logger: Logger
  private readonly healthTimeoutMs: number
  private nextLease = 1

  /**
   * @param urls base URLs (see `parseComfyUrls`); at least one
   * @throws KamuiError CFG_001 when `urls` is empty
   */
  constructor(urls: string[], options: ComfyPoolOptions = {}) {
    if (urls.length === 0) {
      throw new KamuiError('CFG_001', 'The ComfyUI pool needs at least one server URL.', {
        retryable: false,
      })
    }
    const { logger, healthTimeoutMs, ...clientOptions } = options
    this.logger = logger ?? silentLogger
    this.healthTimeoutMs = healthTimeoutMs ?? 3000
    this.slots = urls.map((url) => ({
      client: new ComfyClient(url, clientOptions),
      jobs: new Map(),
    }))
  }

  /** The servers' base URLs, in pool order. */
  get urls(): string[] {
    return this.slots.map((slot) => slot.client.url)
  }

  /** Our jobs currently leased on each server (URL → count). */
  inFlight(): Record<string, number> {
    return Object.fromEntries(this.slots.map((slot) => [slot.client.url, slot.jobs.size]))
  }

  /** Checks every server at once (for reports and `acquire`). */
  async health(signal?: AbortSignal): Promise<ServerHealth[]> {
    const checks = await Promise.all(this.slots.map((slot) => this.check(slot, signal)))
    return checks.map(({ slot, queueIds, reason }) =>
      queueIds
        ? { url: slot.client.url, healthy: true, load: this.loadOf(slot, queueIds) }
        : { url: slot.client.url, healthy: false, load: null, reason: reason ?? 'unknown' },
    )
  }

  /**
   * Picks the least-loaded healthy server and reserves it for one job. With `accept`, a server
   * it rejects (e.g. too little free GPU memory) is released and the next-least-loaded one is
   * tried; when all are rejected, the first rejection's error is thrown.
   *
   * @throws KamuiError IMG_008 (retryable) when no server is healthy, naming each one and why;
   *   what `accept` threw when every healthy server was rejected; the signal's reason
   */
  async acquire(
    signal?: AbortSignal,
    accept?: (lease: ComfyLease) => Promise<void>,
  ): Promise<ComfyLease> {
    const checks = await Promise.all(this.slots.map((slot) => this.check(slot, signal)))
    const healthy = checks.filter((check) => check.queueIds !== undefined)
    for (const check of checks) {
      if (!check.queueIds)
        this.logger.warn(`ComfyUI ${check.slot.client.url} skipped: ${check.reason}`)
    }
    if (healthy.length === 0) {
      throw new KamuiError(
        'IMG_008',
        `No ComfyUI server is reachable: ${checks.map((c) => `${c.slot.client.url} (${c.reason})`).join('; ')}.`,
        { retryable: true },
      )
    }
    const tried = new Set<Slot>()
    let firstRejection: unknown
    for (;;) {
      // Ranked synchronously after the awaits, so concurrent picks see each other's reservations.
      const candidates = healthy
        .filter((check) => !tried.has(check.slot))
        .map((check) => ({
          slot: check.slot,
          load: this.loadOf(check.slot, check.queueIds as Set<string>),
        }))
        .sort(
          (a, b) =>
            a.load - b.load ||
            a.slot.jobs.size - b.slot.jobs.size ||
            this.slots.indexOf(a.slot) - this.slots.indexOf(b.slot),
        )
      const best = candidates[0]
      if (!best) throw firstRejection
      tried.add(best.slot)
      const lease = this.reserve(best.slot, best.load)
      this.logger.debug(`ComfyUI pool: job sent to ${best.slot.client.url} (load ${best.load}).`)
      if (!accept) return lease
      try {
        await accept(lease)
        return lease
      } catch (error) {
        lease.release()
        if (signal?.aborted) throw error
        firstRejection ??= error
        if (candidates.length > 1) {
          this.logger.info(`ComfyUI ${best.slot.client.url} not used: ${errorMessage(error)}`)
        }
      }
    }
  }

  private reserve(slot: Slot, load: number): ComfyLease {
    const id = this.nextLease++
    slot.jobs.set(id, undefined)
    return {
      client: slot.client,
      load,
      setPromptId: (promptId) => {
        if (slot.jobs.has(id)) slot.jobs.set(id, promptId)
      },
      release: () => {
        slot.jobs.delete(id)
      },
    }
  }

  private loadOf(slot: Slot, queueIds: Set<string>): number {
    const ids = new Set(queueIds)
    let unsubmitted = 0
    for (const promptId of slot.jobs.values()) {
      if (promptId === undefined) unsubmitted += 1
      else ids.add(promptId)
    }
    return ids.size + unsubmitted
  }

  private async check(
    slot: Slot,
    signal?: AbortSignal,
  ): Promise<{ slot: Slot; queueIds?: Set<string>; reason?: string }> {
    try {
      const queue = await slot.client.queue(signal, { timeoutMs: this.healthTimeoutMs, once: true })
      return { slot, queueIds: new Set([...queue.running, ...queue.pending]) }
    } catch (error) {
      if (signal?.aborted) throw error
      return { slot, reason: errorMessage(error) }
    }
  }
}
