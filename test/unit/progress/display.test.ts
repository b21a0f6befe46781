import { describe, expect, it } from 'vitest'
import type { JobProgressEvent, ProgressEvent } from '../../../src/core/progress-event.js'
import { estimateRemainingMs, formatRemaining } from '../../../src/output/progress/estimate.js'
import { ProgressDisplay, type ProgressReporter } from '../../../src/output/progress/display.js'
import { TerminalLine } from '../../../src/output/progress/terminal-line.js'

describe('estimateRemainingMs (heuristic)', () => {
  it('knows nothing before a job has finished', () => {
    expect(
      estimateRemainingMs({
        total: 10,
        finished: 0,
        runningElapsedMs: [500],
        durationsMs: [],
        concurrency: 1,
      }),
    ).toBeUndefined()
  })

  it('runs the waiting jobs on the slots that free first', () => {
    expect(
      estimateRemainingMs({
        total: 10,
        finished: 3,
        runningElapsedMs: [1000, 3000],
        durationsMs: [4000, 4000, 4000],
        concurrency: 2,
      }),
    ).toBe(13_000)
    // Sequential: 4 jobs left of 2 s each, one of them 1.5 s in.
    expect(
      estimateRemainingMs({
        total: 5,
        finished: 1,
        runningElapsedMs: [1500],
        durationsMs: [2000],
        concurrency: 1,
      }),
    ).toBe(6500)
    // A job running past the mean counts 0, not a negative time.
    expect(
      estimateRemainingMs({
        total: 2,
        finished: 1,
        runningElapsedMs: [9000],
        durationsMs: [1000],
        concurrency: 1,
      }),
    ).toBe(0)
  })

  it('uses the mean of the observed times and at least the running jobs as slots', () => {
    expect(
      estimateRemainingMs({
        total: 6,
        finished: 2,
        runningElapsedMs: [0, 0, 0],
        durationsMs: [1000, 3000],
        concurrency: 1,
      }),
    ).toBe(4000)
  })

  it('formats the time left', () => {
    expect(formatRemaining(400)).toBe('~1 s left')
    expect(formatRemaining(40_000)).toBe('~40 s left')
    expect(formatRemaining(185_000)).toBe('~3 min left')
    expect(formatRemaining(3_900_000)).toBe('~1 h 5 min left')
  })
})

/** A reporter that records what it was asked to show, with the clock at the time. */
function recorder(clock: { now: number }): {
  reporter: ProgressReporter
  shown: { at: number; kind: string; text: string }[]
} {
  const shown: { at: number; kind: string; text: string }[] = []
  return {
    shown,
    reporter: {
      line: (text) => shown.push({ at: clock.now, kind: 'line', text }),
      startGroup: (text) => shown.push({ at: clock.now, kind: 'group', text }),
      endGroup: () => shown.push({ at: clock.now, kind: 'endgroup', text: '' }),
    },
  }
}

function jobEvent(
  at: number,
  job: string,
  phase: JobProgressEvent['phase'],
  extra: Partial<JobProgressEvent> = {},
): ProgressEvent {
  return {
    kind: 'job',
    stage: 'images',
    job,
    label: job,
    phase,
    source: 'runner',
    atMs: at,
    ...extra,
  }
}

describe('ProgressDisplay, plain mode', () => {
  it('prints at most one progress line per interval, in one group, with a closing line', () => {
    const clock = { now: 0 }
    const { reporter, shown } = recorder(clock)
    const display = new ProgressDisplay(reporter, {
      mode: 'plain',
      plainIntervalMs: 10_000,
      now: () => clock.now,
    })
    const emit = (e: ProgressEvent): void => {
      clock.now = e.atMs
      display.onEvent(e)
    }
    emit({ kind: 'stage', stage: 'images', phase: 'start', atMs: 0, total: 20, unit: 'images' })
    // 20 jobs, two at a time, each 1 s: a final event every 0.5 s for 10 s.
    for (let i = 0; i < 20; i++) {
      emit(jobEvent(i * 500, `j${i}`, 'submitted'))
      emit(jobEvent(i * 500 + 100, `j${i}`, 'running', { message: 'in progress (0 s)' }))
    }
    for (let i = 0; i < 20; i++) emit(jobEvent(1000 + i * 500, `j${i}`, 'done', { costUsd: 0.02 }))
    emit({ kind: 'stage', stage: 'images', phase: 'end', atMs: 11_000 })

    expect(shown[0]).toEqual({ at: 0, kind: 'group', text: 'images: 20 planned' })
    const lines = shown.filter((s) => s.kind === 'line')
    // Bounded: 11 s of events at 10 s per line gives one progress line, then the closing line.
    expect(lines.map((l) => l.text)).toEqual([
      'images 19/20 · 1 running · ~1 s left · j19: in progress (0 s)',
      'images: 20 made, 0 failed, 0 reused in 11 s · cost $0.40',
    ])
    for (let i = 1; i < lines.length - 1; i++)
      expect((lines[i]?.at ?? 0) - (lines[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(10_000)
    expect(shown.at(-1)?.kind).toBe('endgroup')
  })

  it('uses the stage summary when given; cost unknown is never $0; "not measured" means no cost part', () => {
    const clock = { now: 0 }
    const { reporter, shown } = recorder(clock)
    const display = new ProgressDisplay(reporter, { mode: 'plain', now: () => clock.now })
    display.onEvent({ kind: 'stage', stage: 'images', phase: 'start', atMs: 0, total: 3 })
    display.onEvent(jobEvent(0, 'a', 'done', { costUsd: null }))
    display.onEvent({ kind: 'stage', stage: 'images', phase: 'end', atMs: 2000 })
    display.onEvent({ kind: 'stage', stage: 'video', phase: 'start', atMs: 0, unit: 'segments' })
    display.onEvent({
      kind: 'stage',
      stage: 'video',
      phase: 'end',
      atMs: 61_000,
      summary: { made: 2, failed: 1, reused: 3, preview: 2 },
    })
    const lines = shown.filter((s) => s.kind === 'line').map((s) => s.text)
    expect(lines).toEqual([
      'images: 1 made, 0 failed, 0 reused in 2.0 s · cost unknown (a price is not known)',
      'segments: 2 made, 1 failed, 3 reused in 61 s · 2 PREVIEW',
    ])
    // One group per stage, the second opened after the first closed.
    expect(shown.filter((s) => s.kind !== 'line').map((s) => s.kind + ':' + s.text)).toEqual([
      'group:images: 3 planned',
      'endgroup:',
      'group:segments',
      'endgroup:',
    ])
  })

  it('says which segment of how many a message is about', () => {
    const clock = { now: 0 }
    const { reporter, shown } = recorder(clock)
    const display = new ProgressDisplay(reporter, {
      mode: 'plain',
      plainIntervalMs: 0,
      now: () => clock.now,
    })
    display.onEvent({
      kind: 'stage',
      stage: 'v',
      phase: 'start',
      atMs: 0,
      total: 5,
      unit: 'segments',
    })
    display.onEvent(jobEvent(0, 's1', 'done'))
    const part = { index: 2, total: 5 }
    display.onEvent(
      jobEvent(0, 'segment 2 (svd)', 'running', {
        stage: 'v',
        part,
        message: 'step 3/30',
        fraction: 0.1,
      }),
    )
    display.onEvent(jobEvent(0, 's3', 'done', { stage: 'v' }))
    expect(shown.at(-1)?.text).toBe('segments 1/5 · 1 running · segment 2/5 (svd): 10 %, step 3/30')
  })
})

describe('ProgressDisplay, live mode on a terminal', () => {
  it('redraws one line in place and writes log lines above it', () => {
    const out: string[] = []
    const terminal = new TerminalLine(
      (t) => out.push(t),
      () => 40,
    )
    const clock = { now: 0 }
    const display = new ProgressDisplay(terminal, {
      mode: 'live',
      liveIntervalMs: 1000,
      now: () => clock.now,
    })
    display.onEvent({
      kind: 'stage',
      stage: 'images',
      phase: 'start',
      atMs: 0,
      total: 2,
      unit: 'images',
    })
    display.onEvent(jobEvent(0, 'a', 'submitted'))
    terminal.line('image 1 written')
    clock.now = 1500
    display.onEvent(jobEvent(1500, 'a', 'done'))
    display.onEvent({ kind: 'stage', stage: 'images', phase: 'end', atMs: 3000 })
    expect(out).toEqual([
      '\r\x1b[2Kimages 0/2',
      '\r\x1b[2K',
      'image 1 written\n',
      'images 0/2',
      '\r\x1b[2Kimages 1/2 · ~2 s left',
      '\r\x1b[2K',
      'images: 1 made, 0 failed, 0 reused in 3.0 s\n',
    ])
  })

  it('cuts the live line to the terminal width', () => {
    const out: string[] = []
    const terminal = new TerminalLine(
      (t) => out.push(t),
      () => 30,
    )
    terminal.live('x'.repeat(100))
    expect(out[0]).toBe(`\r\x1b[2K${'x'.repeat(28)}…`)
  })
})
