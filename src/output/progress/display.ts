import type { ProgressEvent } from '../../core/progress-event.js'
import { StageState } from './stage-state.js'

/**
 * Where a progress display writes (issue 16 §2). The CLI gives a terminal writer (a live line
 * redrawn in place); the action adapter gives `core.info` and `core.startGroup` /
 * `core.endGroup`. Library code never writes to the console or calls `@actions/core` itself.
 */
export interface ProgressReporter {
  /** A plain line (a log line of its own). */
  line(text: string): void
  /** Replaces the live line in place; absent where the output is not a terminal. */
  live?(text: string): void
  /** Ends the live line (cleared), before a plain line or at the end. */
  clearLive?(): void
  /** Opens a collapsible group (Actions); absent elsewhere. */
  startGroup?(title: string): void
  endGroup?(): void
}

/** Options of {@link ProgressDisplay}. */
export interface ProgressDisplayOptions {
  /**
   * `live`: one line per stage redrawn in place (a terminal); `plain`: progress lines at most
   * every `plainIntervalMs` per stage, and one group per stage when the reporter has groups.
   */
  mode: 'live' | 'plain'
  /** Shortest interval between two plain progress lines of a stage, ms (default 10 000). */
  plainIntervalMs?: number
  /** Shortest interval between two redraws of the live line, ms (default 250). */
  liveIntervalMs?: number
  /** Clock, ms since the epoch (tests; events carry their own time). */
  now?: () => number
}

/**
 * Shows the progress events of a run: per stage a line with counts, running jobs, the time
 * left (a heuristic, see `estimate.ts`) and the newest message of a job, and a closing
 * summary line per stage. Subscribe {@link onEvent} to the run's `ProgressHub`.
 *
 * Plain mode bounds the rate: a stage prints its start line, then at most one progress line
 * per interval (an event arriving sooner is folded into the next line), then its closing line.
 * Stages of a pipeline may overlap; only one group is open at a time (Actions cannot nest
 * them), a stage starting while another's group is open prints without a group.
 */
export class ProgressDisplay {
  private readonly stages = new Map<string, StageState>()
  private readonly lastLineAt = new Map<string, number>()
  private lastLiveAt = Number.NEGATIVE_INFINITY
  private openGroup: string | undefined
  private readonly plainIntervalMs: number
  private readonly liveIntervalMs: number
  private readonly now: () => number

  constructor(
    private readonly reporter: ProgressReporter,
    private readonly options: ProgressDisplayOptions,
  ) {
    this.plainIntervalMs = options.plainIntervalMs ?? 10_000
    this.liveIntervalMs = options.liveIntervalMs ?? 250
    this.now = options.now ?? Date.now
  }

  /** The listener to subscribe to the hub. */
  readonly onEvent = (event: ProgressEvent): void => {
    if (event.kind === 'stage') {
      const known = this.stages.get(event.stage)
      if (event.phase === 'start' && known) known.total = event.total ?? known.total
      else if (event.phase === 'start')
        this.started(event.stage, new StageState(event.stage, event))
      else this.ended(event.stage, event)
      return
    }
    const state = this.stages.get(event.stage)
    if (!state) return
    state.apply(event)
    const final = event.phase === 'done' || event.phase === 'failed' || event.phase === 'reused'
    if (this.options.mode === 'live') this.redraw(final)
    else this.plain(event.stage, state, final)
  }

  /** Clears the live line (the CLI calls it before exiting). */
  close(): void {
    if (this.options.mode === 'live') this.reporter.clearLive?.()
    if (this.openGroup !== undefined) this.reporter.endGroup?.()
    this.openGroup = undefined
  }

  private started(stage: string, state: StageState): void {
    this.stages.set(stage, state)
    if (this.options.mode === 'live') {
      this.redraw(true)
      return
    }
    const title = `${state.unit}${state.total !== undefined ? `: ${state.total} planned` : ''}`
    if (this.openGroup === undefined && this.reporter.startGroup) {
      this.openGroup = stage
      this.reporter.startGroup(title)
    } else this.reporter.line(title)
    this.lastLineAt.set(stage, this.now())
  }

  private ended(stage: string, event: ProgressEvent & { kind: 'stage' }): void {
    const state = this.stages.get(stage)
    if (!state) return
    state.end(event)
    this.stages.delete(stage)
    if (this.options.mode === 'live') this.reporter.clearLive?.()
    this.reporter.line(state.closing(this.now()))
    if (this.openGroup === stage) {
      this.reporter.endGroup?.()
      this.openGroup = undefined
    }
    if (this.options.mode === 'live') this.redraw(true)
  }

  /** Plain mode: a line when the stage's interval has passed (final events included). */
  private plain(stage: string, state: StageState, final: boolean): void {
    const now = this.now()
    const last = this.lastLineAt.get(stage) ?? Number.NEGATIVE_INFINITY
    if (now - last < this.plainIntervalMs) return
    // Running updates alone do not print: only counts moving or an interval of silence do.
    if (!final && now - last < 3 * this.plainIntervalMs) return
    this.lastLineAt.set(stage, now)
    this.reporter.line(state.line(now))
  }

  /** Live mode: every open stage on one line, redrawn at most every `liveIntervalMs`. */
  private redraw(force: boolean): void {
    const now = this.now()
    if (!force && now - this.lastLiveAt < this.liveIntervalMs) return
    this.lastLiveAt = now
    const lines = [...this.stages.values()].map((s) => s.line(now))
    if (lines.length === 0) this.reporter.clearLive?.()
    else this.reporter.live?.(lines.join('  |  '))
  }
}
