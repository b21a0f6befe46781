import { randomUUID } from 'node:crypto'
import type { RenderedPreview } from './result.js'

/**
 * Life cycle of a preview job: `queued` during the simulated latency, then `processing` while
 * it waits for or runs its render, then `completed` (or `failed` if the render threw).
 */
export type PreviewJobStatus = 'queued' | 'processing' | 'completed' | 'failed'

/** One submitted preview job. */
export interface PreviewJob {
  /** `preview-<uuid>`. */
  id: string
  status: PreviewJobStatus
  /** Set once `completed`. */
  result?: RenderedPreview
  /** Set once `failed`. */
  error?: string
  /** Submission time, ms since the epoch. */
  submittedAt: number
}

/** Renders one job's picture (called once per job, after the latency). */
export type PreviewRender = () => Promise<RenderedPreview>

/** Most jobs kept in memory; the oldest finished ones are forgotten first. */
const MAX_JOBS = 64

/**
 * The in-memory jobs behind `preview_image_submit` / `_status` / `_result`. A job waits
 * `latencyMs`, then renders through the caller's render function (which serialises renders),
 * and keeps its result until it is among the oldest of more than 64 finished jobs.
 */
export class PreviewJobStore {
  private readonly jobs = new Map<string, PreviewJob>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly latencyMs: number

  /** @param latencyMs how long a job stays `queued` before its render starts, in ms (≥ 0) */
  constructor(latencyMs: number) {
    this.latencyMs = Math.max(0, latencyMs)
  }

  /** Starts a job that runs `render` after the latency; returns its id. */
  submit(render: PreviewRender): string {
    const job: PreviewJob = {
      id: `preview-${randomUUID()}`,
      status: 'queued',
      submittedAt: Date.now(),
    }
    this.jobs.set(job.id, job)
    this.evict()
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      job.status = 'processing'
      render().then(
        (result) => {
          job.status = 'completed'
          job.result = result
        },
        (error: unknown) => {
          job.status = 'failed'
          job.error = error instanceof Error ? error.message : String(error)
        },
      )
    }, this.latencyMs)
    this.timers.add(timer)
    return job.id
  }

  /** The job with this id, or undefined when unknown (never submitted, or forgotten). */
  get(id: string): PreviewJob | undefined {
    return this.jobs.get(id)
  }

  /** Cancels the pending latency timers (jobs not started stay `queued` for ever). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private evict(): void {
    if (this.jobs.size <= MAX_JOBS) return
    for (const [id, job] of this.jobs) {
      if (this.jobs.size <= MAX_JOBS) break
      if (job.status === 'completed' || job.status === 'failed') this.jobs.delete(id)
    }
  }
}
