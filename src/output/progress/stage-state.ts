import type {
  JobProgressEvent,
  StageProgressEvent,
  StageSummary,
} from '../../core/progress-event.js'
import { estimateRemainingMs, formatRemaining } from './estimate.js'

/** One job as the display knows it. */
interface JobView {
  label: string
  startedAtMs: number | undefined
  final: boolean
  part?: { index: number; total: number }
  message?: string
  fraction?: number
}

/**
 * What a display knows of one stage, folded from its progress events: counts, running jobs,
 * observed durations (for the estimate), the latest message, cost of done jobs.
 */
export class StageState {
  readonly startedAtMs: number
  total: number | undefined
  readonly unit: string
  made = 0
  failed = 0
  reused = 0
  /** Sum of known job prices, US dollars; `unknownCost` counts done jobs of unknown price. */
  costUsd = 0
  pricedJobs = 0
  unknownCost = 0
  endedAtMs: number | undefined
  summary: StageSummary | undefined
  private readonly jobs = new Map<string, JobView>()
  private readonly durations: number[] = []
  private concurrency = 0
  /** The job whose message is the newest. */
  private latest: string | undefined

  constructor(
    readonly stage: string,
    start: StageProgressEvent,
  ) {
    this.startedAtMs = start.atMs
    this.total = start.total
    this.unit = start.unit ?? stage
  }

  /** Folds one job event in. */
  apply(event: JobProgressEvent): void {
    const job = this.jobs.get(event.job) ?? {
      label: event.label,
      startedAtMs: undefined,
      final: false,
      ...(event.part ? { part: event.part } : {}),
    }
    this.jobs.set(event.job, job)
    if (job.final) return
    if (event.phase === 'submitted' || event.phase === 'running') {
      job.startedAtMs ??= event.atMs
      if (event.message !== undefined) job.message = event.message
      if (event.fraction !== undefined) job.fraction = event.fraction
      if (event.message !== undefined || event.fraction !== undefined) this.latest = event.job
      this.concurrency = Math.max(this.concurrency, this.running().length)
      return
    }
    if (event.phase === 'queued') return
    job.final = true
    if (event.phase === 'reused') this.reused++
    else if (event.phase === 'failed') this.failed++
    else {
      this.made++
      if (event.costUsd === null) this.unknownCost++
      else if (event.costUsd !== undefined) {
        this.costUsd += event.costUsd
        this.pricedJobs++
      }
    }
    if (event.phase !== 'reused' && job.startedAtMs !== undefined)
      this.durations.push(event.atMs - job.startedAtMs)
    if (this.latest === event.job) this.latest = undefined
  }

  /** The stage closed. */
  end(event: StageProgressEvent): void {
    this.endedAtMs = event.atMs
    this.summary = event.summary
  }

  /** Jobs finished in any way. */
  get finished(): number {
    return this.made + this.failed + this.reused
  }

  /**
   * The progress line: `images 3/10 · 2 running · ~40 s left`, with the newest message of a
   * running job (`segment 2/5 (svd): in progress (20 s)`).
   */
  line(nowMs: number): string {
    // Regenerated or retried attempts are jobs too: the count never reads past the plan.
    const done = this.total !== undefined ? Math.min(this.finished, this.total) : this.finished
    const parts = [`${this.unit} ${done}${this.total !== undefined ? `/${this.total}` : ''}`]
    const running = this.running()
    if (running.length) parts.push(`${running.length} running`)
    if (this.failed) parts.push(`${this.failed} failed`)
    const left = this.remainingMs(nowMs)
    if (left !== undefined && this.finished < (this.total ?? 0)) parts.push(formatRemaining(left))
    const latest = this.latest ? this.jobs.get(this.latest) : undefined
    if (latest && !latest.final) parts.push(describe(latest))
    return parts.join(' · ')
  }

  /**
   * The closing line: `images: 9 made, 1 failed, 0 reused in 42 s · cost $0.18`; the cost
   * part only where measured ("cost unknown" when a price is unknown, never $0 for it).
   */
  closing(nowMs: number): string {
    const s = this.summary ?? {
      made: this.made,
      failed: this.failed,
      reused: this.reused,
      ...this.countedCost(),
    }
    const seconds = ((this.endedAtMs ?? nowMs) - this.startedAtMs) / 1000
    const parts = [
      `${this.unit}: ${s.made} made, ${s.failed} failed, ${s.reused} reused in ${seconds.toFixed(seconds < 10 ? 1 : 0)} s`,
    ]
    if (s.costUsd === null) parts.push('cost unknown (a price is not known)')
    else if (s.costUsd !== undefined)
      parts.push(`cost $${s.costUsd.toFixed(s.costUsd < 0.01 && s.costUsd > 0 ? 4 : 2)}`)
    if (s.preview) parts.push(`${s.preview} PREVIEW`)
    return parts.join(' · ')
  }

  private countedCost(): { costUsd?: number | null } {
    if (this.unknownCost > 0) return { costUsd: null }
    return this.pricedJobs > 0 ? { costUsd: this.costUsd } : {}
  }

  private running(): JobView[] {
    return [...this.jobs.values()].filter((j) => !j.final && j.startedAtMs !== undefined)
  }

  private remainingMs(nowMs: number): number | undefined {
    if (this.total === undefined) return undefined
    return estimateRemainingMs({
      total: this.total,
      finished: this.finished,
      runningElapsedMs: this.running().map((j) => nowMs - (j.startedAtMs ?? nowMs)),
      durationsMs: this.durations,
      concurrency: this.concurrency,
    })
  }
}

/** `segment 2/5 (svd): in progress (20 s)`, `image 3 (flux): 40 %`. */
function describe(job: JobView): string {
  const part = job.part
  let name = job.label
  if (part) {
    const of = `${part.index}/${part.total}`
    name = /^\D*?\s*\d+/.test(job.label)
      ? job.label.replace(/^(\D*?)\s*\d+/, (_, word: string) => `${word} ${of}`)
      : `${job.label} ${of}`
  }
  const detail = [
    job.fraction !== undefined ? `${Math.round(job.fraction * 100)} %` : undefined,
    job.message,
  ].filter((d): d is string => d !== undefined && d !== '')
  return detail.length ? `${name}: ${detail.join(', ')}` : name
}
