import { isKamuiError } from '../core/errors.js'
import type {
  JobPhase,
  JobProgressEvent,
  ProgressEvent,
  ProgressSink,
  ProgressSource,
  StageProgressEvent,
  StageSummary,
} from '../core/progress-event.js'
import type { ModelJob, RunJobOptions } from '../providers/kinds/job.js'
import type { JobHooks } from './job-runner.js'

export type {
  JobPhase,
  JobProgressEvent,
  ProgressEvent,
  ProgressSink,
  ProgressSource,
  StageProgressEvent,
  StageSummary,
} from '../core/progress-event.js'

/** A subscriber of a {@link ProgressHub}. */
export type ProgressListener = (event: ProgressEvent) => void

/**
 * The progress stream of a run (issue 12 §6): every event of every job of every stage goes
 * through one hub; displays and feeds subscribe to it. An adapter makes one, subscribes its
 * display and hands it to the stage as `StageContext.progress`. A listener that throws is
 * dropped from that event only (progress never breaks a run).
 */
export class ProgressHub implements ProgressSink {
  private readonly listeners = new Set<ProgressListener>()

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: ProgressListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  emit(event: ProgressEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // A display must not fail the job it shows.
      }
    }
  }
}

/** Options of {@link stageProgress}. */
export interface StageProgressOptions {
  /** Jobs the stage plans, when known. */
  total?: number
  /** Noun of the jobs for display (`images`, `segments`). */
  unit?: string
  /** Clock, ms since the epoch (tests). */
  now?: () => number
}

/**
 * Opens a stage group on `sink` (emits `start`) and returns its {@link StageProgress}. With no
 * sink (library use) the events go nowhere.
 */
export function stageProgress(
  sink: ProgressSink | undefined,
  stage: string,
  options: StageProgressOptions = {},
): StageProgress {
  return new StageProgress(sink ?? { emit: () => undefined }, stage, options)
}

/** The progress of one stage: its jobs' streams, and the closing event. */
export class StageProgress {
  private readonly jobs = new Map<string, JobProgress>()
  private ended = false
  readonly now: () => number
  private readonly unit: string | undefined

  constructor(
    private readonly sink: ProgressSink,
    readonly stage: string,
    options: StageProgressOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.unit = options.unit
    const event: StageProgressEvent = { kind: 'stage', stage, phase: 'start', atMs: this.now() }
    if (options.total !== undefined) event.total = options.total
    if (options.unit !== undefined) event.unit = options.unit
    sink.emit(event)
  }

  /**
   * Sets the number of jobs planned once the stage knows it (after planning: a shard's share,
   * the images of a resumed run); emits `start` again with the new total.
   */
  plan(total: number): void {
    if (this.ended) return
    const event: StageProgressEvent = {
      kind: 'stage',
      stage: this.stage,
      phase: 'start',
      atMs: this.now(),
      total,
    }
    if (this.unit !== undefined) event.unit = this.unit
    this.sink.emit(event)
  }

  /**
   * The stream of job `id` (created on first use; `label` defaults to the id; `part` places it
   * in an ordered whole, e.g. segment 2 of 5).
   */
  job(id: string, label = id, part?: { index: number; total: number }): JobProgress {
    let job = this.jobs.get(id)
    if (!job) {
      job = new JobProgress(this, id, label, part)
      this.jobs.set(id, job)
    }
    return job
  }

  /** Emits one job event (used by {@link JobProgress}). */
  emitJob(event: Omit<JobProgressEvent, 'kind' | 'stage' | 'atMs'>): void {
    if (this.ended) return
    this.sink.emit({ kind: 'job', stage: this.stage, atMs: this.now(), ...event })
  }

  /**
   * Closes the group (idempotent); later job events are dropped. `summary` is the stage's own
   * count of what it made (retried attempts are not failures), shown in the closing line.
   */
  end(summary?: StageSummary): void {
    if (this.ended) return
    this.ended = true
    const event: StageProgressEvent = {
      kind: 'stage',
      stage: this.stage,
      phase: 'end',
      atMs: this.now(),
    }
    if (summary) event.summary = summary
    this.sink.emit(event)
  }
}

/** The event stream of one job. Calls after a final phase are ignored. */
export class JobProgress {
  private phase: JobPhase | undefined

  constructor(
    private readonly stage: StageProgress,
    readonly id: string,
    readonly label: string,
    readonly part?: { index: number; total: number },
  ) {}

  /** The last phase emitted, if any. */
  get current(): JobPhase | undefined {
    return this.phase
  }

  queued(): void {
    this.emit('queued', 'runner')
  }

  submitted(): void {
    this.emit('submitted', 'runner')
  }

  /** The job runs; `fraction` in [0, 1] when known (clamped), `message` in the backend's words. */
  running(source: ProgressSource, detail: { fraction?: number; message?: string } = {}): void {
    this.emit('running', source, detail)
  }

  /** The job finished; `costUsd` null when the price is unknown. */
  done(costUsd?: number | null): void {
    this.emit('done', 'runner', costUsd !== undefined ? { costUsd } : {})
  }

  /** The job failed with `error` (its code when it has one). */
  failed(error: unknown): void {
    const code = isKamuiError(error) ? error.code : undefined
    this.emit('failed', 'runner', code ? { code } : {})
  }

  /** A result of an earlier run or the cache was used: no model call. */
  reused(): void {
    this.emit('reused', 'runner')
  }

  /**
   * The `onStatus` / `onProgress` / `onTaskStatus` of {@link RunJobOptions} that feed this
   * stream, chained before the caller's own callbacks (which still run).
   */
  runOptions(options: RunJobOptions): RunJobOptions {
    const { onStatus, onProgress, onTaskStatus } = options
    return {
      ...options,
      onStatus: (status, elapsedMs) => {
        this.status(status, elapsedMs)
        onStatus?.(status, elapsedMs)
      },
      onProgress: (progress) => {
        this.notification(progress)
        onProgress?.(progress)
      },
      onTaskStatus: (status, statusMessage, elapsedMs) => {
        this.task(status, statusMessage)
        onTaskStatus?.(status, statusMessage, elapsedMs)
      },
    }
  }

  /** A status string of the submit/status/result triple, after `elapsedMs` since submit. */
  status(status: string, elapsedMs: number): void {
    if (status === 'completed' || status === 'failed') return // the runner reports the end
    const word = status === 'pending' ? 'in progress' : status
    this.running('mcp-status', { message: `${word} (${Math.round(elapsedMs / 1000)} s)` })
  }

  /** MCP `notifications/progress` (`progress` of `total` when given, and a message). */
  notification(progress: { progress: number; total?: number; message?: string }): void {
    this.running('mcp-progress', detailOf(progress))
  }

  /** An MCP task's status and `statusMessage` (`working`, `input_required`, …). */
  task(status: string, statusMessage?: string): void {
    if (status === 'completed' || status === 'failed' || status === 'cancelled') return
    this.running('mcp-task', { message: statusMessage ? `${status}: ${statusMessage}` : status })
  }

  /** ComfyUI sampler steps (`progress {value, max}`) of the node `node`. */
  comfy(value: number, max: number, node?: string): void {
    const detail: { fraction?: number; message?: string } = {
      message: `${node ? `${node} ` : ''}step ${value}/${max}`,
    }
    const fraction = fractionOf(value, max)
    if (fraction !== undefined) detail.fraction = fraction
    this.running('comfyui', detail)
  }

  private emit(
    phase: JobPhase,
    source: ProgressSource,
    detail: { fraction?: number; message?: string; code?: string; costUsd?: number | null } = {},
  ): void {
    if (this.phase === 'done' || this.phase === 'failed' || this.phase === 'reused') return
    this.phase = phase
    this.stage.emitJob({
      job: this.id,
      label: this.label,
      phase,
      source,
      ...(this.part ? { part: this.part } : {}),
      ...detail,
    })
  }
}

/** Fraction and message of a progress report (`progress` of `total`, `message`). */
function detailOf(progress: { progress: number; total?: number; message?: string }): {
  fraction?: number
  message?: string
} {
  const detail: { fraction?: number; message?: string } = {}
  const fraction = fractionOf(progress.progress, progress.total)
  if (fraction !== undefined) detail.fraction = fraction
  if (progress.message) detail.message = progress.message
  return detail
}

/** `value / total` clamped to [0, 1], or undefined without a positive finite total. */
export function fractionOf(value: number, total: number | undefined): number | undefined {
  if (total === undefined || !Number.isFinite(total) || total <= 0 || !Number.isFinite(value))
    return undefined
  return Math.min(1, Math.max(0, value / total))
}

/** Options of {@link progressHooks}. */
export interface ProgressHooksOptions {
  /**
   * Position of a job in an ordered whole (video segment 2 of 5), so its lines say "of what
   * total"; default: none.
   */
  partOf?: (job: ModelJob) => { index: number; total: number } | undefined
}

/**
 * The job runner's hooks that feed a stage's progress stream (hand them to
 * `ModelServices.open(…, { hooks })`, composed with any other hooks in `inner`): submitted,
 * status strings (MCP triple and tasks), progress notifications (MCP) and sampler steps
 * (ComfyUI) as running, then done, failed or reused. One stream per `run()` call of the
 * runner: a retried attempt is a new stream.
 */
export function progressHooks(
  stage: StageProgress,
  inner: JobHooks = {},
  options: ProgressHooksOptions = {},
): JobHooks {
  const streams = new WeakMap<ModelJob, JobProgress>()
  let next = 0
  const of = (job: ModelJob): JobProgress => {
    let stream = streams.get(job)
    if (!stream) {
      next += 1
      stream = stage.job(`${job.label}#${next}`, job.label, options.partOf?.(job))
      streams.set(job, stream)
    }
    return stream
  }
  return {
    ...inner,
    onSubmitted: async (job, handle) => {
      of(job).submitted()
      await inner.onSubmitted?.(job, handle)
    },
    onCompleted: async (job, output) => {
      if (output.journal !== 'reused') of(job).done()
      await inner.onCompleted?.(job, output)
    },
    onFailed: async (job, error, handle) => {
      of(job).failed(error)
      await inner.onFailed?.(job, error, handle)
    },
    onReused: (job, output) => {
      of(job).reused()
      inner.onReused?.(job, output)
    },
    onStatus: (job, status, elapsedMs) => {
      of(job).status(status, elapsedMs)
      inner.onStatus?.(job, status, elapsedMs)
    },
    onProgress: (job, progress) => {
      const stream = of(job)
      stream.running(job.provider === 'comfyui' ? 'comfyui' : 'mcp-progress', detailOf(progress))
      inner.onProgress?.(job, progress)
    },
    onTaskStatus: (job, status, statusMessage, elapsedMs) => {
      of(job).task(status, statusMessage)
      inner.onTaskStatus?.(job, status, statusMessage, elapsedMs)
    },
  }
}
