/**
 * The adaptive status-polling schedule of the job runner (SPEC §3.1; issue 12 §1): when to make
 * the next status call of a submitted job, given how long it has run, what earlier jobs of the
 * same model took, which turn it takes among the jobs of that model followed with it, and what
 * the server asked for. Pure: time and randomness come in as arguments, so the sequence is
 * reproducible in tests.
 *
 * The schedule, with `t` the ms since the job was submitted:
 *
 * 1. The first status call is made {@link FIRST_POLL_MS} (125 ms) after submit.
 * 2. Without an estimate of the model's latency the job follows a grid: from the first call,
 *    pauses of `min(max(600, 0.22·t), 2000)` ms ({@link backoffMs}): 600 ms for the first
 *    2.7 s, then 22 % of the time run so far, to the cap of 2 s (reached at 9.1 s).
 * 3. Jobs of one model followed at the same time take turns on that grid ({@link PollTurn}):
 *    the `index`-th of `of` jobs calls `(index + offset) / of` of the way through each pause,
 *    where `offset` is one random number in [0, 1) per group, and only the first of them makes
 *    the call of step 1. Each job keeps the pace of step 2, but their calls together are spread
 *    evenly, `pause / of` apart; since a job that sees its job completed wakes the others
 *    (`model-latency.ts`), a batch submitted together is noticed within `pause / of` of
 *    becoming ready: for three jobs at L = 3 s, within about 210 ms, at about 1.9 calls per
 *    second each.
 * 4. With an estimate `E` (ms from submit to ready, learned from earlier jobs of the same model
 *    in this run and from the run journal of the folder's earlier runs, see `model-latency.ts`)
 *    and its window `w = max(200, E / 40, spread / 2)`: before `E − w` the pauses are
 *    `max(500, 2t, (E − w − t) / 2)`, at most 2 s and never past `E − w` (they only catch an
 *    early finish; a pause that would end less than 500 ms before `E − w` goes to `E − w`
 *    itself); from `E − w` to `E + w` the job is polled every `max(200, w)` ms
 *    ({@link DENSE_POLL_MS}): at the window's start, at `E` and at its end; after `E + w` the
 *    pauses grow by 30 % of the time past the window, to the cap. Jobs of one model take turns
 *    in the window too: the `index`-th of `of` starts `(index + offset) / of` of a dense pause
 *    after the window's start, so two jobs poll it every `max(200, w) / 2` ms together.
 * 5. Every call is jittered by ±5 % ({@link POLL_JITTER}, uniform) of the spacing between the
 *    calls of its group (the pause itself for a job alone), never less than
 *    {@link MIN_POLL_MS} (100 ms) after the last call.
 * 6. An interval the server gives (`pollInterval` / `pollIntervalMs` in a status answer, a
 *    `Retry-After` of a refused status call) is a floor, counted from its answer.
 * 7. A fixed interval (the registry's `pollIntervalMs`, the context's or the video stage's
 *    `poll-interval`) replaces all of the above: every pause is that interval, as before.
 *
 * Worst-case call rate per job: one call per 190 ms (200 ms less its jitter, about 5.3 per
 * second), reached only inside an estimate's window, which holds at most 3 calls
 * (`2w / max(200, w) + 1`); without an estimate one call per 570 ms (600 ms less its jitter)
 * after the first, then one per 1.9–2.1 s from 9.1 s on. A wake by a sibling that completed adds
 * at most one early call. Typical counts per job (unjittered): without an estimate 6 calls for
 * L = 3 s (≈ 1.9/s) and 13 for L = 12 s (≈ 1.05/s); with an estimate 3–5 for L = 3 s
 * (≈ 1–1.6/s) and 7–9 for L = 12 s (≈ 0.6–0.75/s). A run's later jobs have the estimate, so its
 * mean is lower: `npm run bench` measured 1.61/s at L = 3 s and 0.88/s at L = 12 s (N = 5,
 * C = 3) on 2026-12-02.
 */

/** Delay of the first status call after submit, ms. */
export const FIRST_POLL_MS = 125
/** Shortest pause between two status calls, ms (the registry's `pollIntervalMs` minimum too). */
export const MIN_POLL_MS = 100
/** Shortest pause inside an estimate's window, and the window's smallest half-width, ms. */
export const DENSE_POLL_MS = 200
/** Shortest pause of the backoff without an estimate, ms. */
export const BACKOFF_FLOOR_MS = 600
/** Share of the time run so far that a pause of the backoff without an estimate lasts. */
export const BACKOFF_SHARE = 0.22
/** Longest pause of the backoff, ms. */
export const MAX_POLL_MS = 2000
/** Shortest pause of the approach to an estimate's window, ms. */
const APPROACH_MIN_MS = 500
/** Relative jitter of every call (±), of the spacing between the calls of its group. */
export const POLL_JITTER = 0.05

/** What the runner knows of a model's latency (ms from submit to ready). */
export interface LatencyEstimate {
  /** Expected ready time, ms after submit. */
  expectedMs: number
  /** Spread of the observed ready times (max − min), ms; 0 after one job. */
  spreadMs: number
}

/** A job's turn among the jobs of its model followed at the same time (step 3 of the schedule). */
export interface PollTurn {
  /** 0-based place of the job in its group (in the order they started being followed). */
  index: number
  /** Jobs in the group, ≥ 1. */
  of: number
  /** The group's random offset, in [0, 1). */
  offset: number
}

/** The turn of a job alone. */
const LONE: PollTurn = { index: 0, of: 1, offset: 0 }

/** Everything the next pause depends on. */
export interface PollInput {
  /** ms since submit at which the last status call was made; undefined before the first call. */
  elapsedMs: number | undefined
  /** The model's latency estimate, when earlier jobs (of this run or the journal's) taught one. */
  estimate?: LatencyEstimate | undefined
  /** The job's turn among its model's jobs; a job alone without one (`{ 0, 1, 0 }`). */
  turn?: PollTurn | undefined
  /** The interval the server asked for in its last answer, ms (a floor). */
  serverMs?: number | undefined
  /** A fixed interval that replaces the schedule, ms. */
  fixedMs?: number | undefined
  /** A uniform random number in [0, 1) (`Math.random` in production). */
  random: () => number
}

/**
 * The pause before the next status call, ms (see the module documentation for the schedule).
 * With `elapsedMs` undefined it is the delay of the first call.
 */
export function nextPollDelay(input: PollInput): number {
  if (input.fixedMs !== undefined) return Math.max(input.fixedMs, input.serverMs ?? 0)
  const t = input.elapsedMs
  const jitter = (spacing: number): number => POLL_JITTER * spacing * (2 * input.random() - 1)
  const turn = input.turn ?? LONE
  const phase = (turn.index + turn.offset) / turn.of
  let delay: number
  if (t === undefined && (turn.index === 0 || input.estimate)) {
    delay = FIRST_POLL_MS + jitter(FIRST_POLL_MS)
  } else if (t !== undefined && input.estimate) {
    delay = withEstimate(t, input.estimate, turn, jitter)
  } else {
    const { at, pause } = nextTurn(t === undefined ? FIRST_POLL_MS : t + MIN_POLL_MS, phase)
    delay = at + jitter(pause / turn.of) - (t ?? 0)
  }
  return Math.round(Math.max(delay, MIN_POLL_MS, input.serverMs ?? 0))
}

/** The window around an estimate in which the job is polled densely, ms (half-width). */
export function estimateWindowMs(estimate: LatencyEstimate): number {
  return Math.max(DENSE_POLL_MS, estimate.expectedMs / 40, estimate.spreadMs / 2)
}

/**
 * The pause after a call at `t` ms with an estimate (step 4), jittered. A job takes its turn in
 * the window: its dense calls start `phase` of a dense pause after the window's start.
 */
function withEstimate(
  t: number,
  estimate: LatencyEstimate,
  turn: PollTurn,
  jitter: (spacing: number) => number,
): number {
  const w = estimateWindowMs(estimate)
  const dense = Math.max(DENSE_POLL_MS, w)
  const start = estimate.expectedMs - w + ((turn.index + turn.offset) / turn.of) * dense
  const end = estimate.expectedMs + w
  // A call less than 100 ms before the job's first call in the window (a rounded pause, a wake)
  // counts as that call.
  if (t < start - MIN_POLL_MS) {
    const approach = Math.max(APPROACH_MIN_MS, 2 * t, (start - t) / 2)
    const pause = Math.max(Math.min(approach, MAX_POLL_MS, start - t), MIN_POLL_MS)
    const jittered = pause + jitter(pause)
    // Never jump past the job's first call in the window (the calls there are the ones that
    // count), nor stop less than 500 ms short of it (that call would only repeat its first one).
    return start - (t + jittered) < APPROACH_MIN_MS ? start - t : jittered
  }
  if (t <= end) return dense + jitter(dense / turn.of)
  const pause = Math.min(dense + 0.3 * (t - end), MAX_POLL_MS)
  return pause + jitter(pause)
}

/**
 * The pause of the backoff without an estimate after a call at `t` ms:
 * `min(max(600, 0.22·t), 2000)`.
 */
export function backoffMs(t: number): number {
  return Math.min(Math.max(BACKOFF_FLOOR_MS, BACKOFF_SHARE * t), MAX_POLL_MS)
}

/**
 * The first call of the grid (step 2) at `phase` (0–1) of its pause that is at or after
 * `notBeforeMs`, and the pause it sits in, ms after submit. The grid starts at
 * {@link FIRST_POLL_MS}; once the pauses reach the cap it is found in one step.
 */
function nextTurn(notBeforeMs: number, phase: number): { at: number; pause: number } {
  let start = FIRST_POLL_MS
  for (;;) {
    const pause = backoffMs(start)
    if (pause === MAX_POLL_MS) {
      const steps = Math.max(0, Math.ceil((notBeforeMs - start) / pause - phase))
      return { at: start + (steps + phase) * pause, pause }
    }
    if (start + phase * pause >= notBeforeMs) return { at: start + phase * pause, pause }
    start += pause
  }
}

/**
 * The interval a status answer asks for, ms, or undefined: `pollIntervalMs` or
 * `poll_interval_ms` (ms; the 2026-07-28 tasks extension), `pollInterval` (ms; MCP tasks
 * 2025-11-25), `retry_after`, `retryAfter` or `Retry-After` (seconds), at the top level of the
 * answer's JSON or in its `task` object. Non-positive or non-numeric values are ignored.
 */
export function serverPollIntervalMs(answer: unknown): number | undefined {
  for (const fields of [answer, field(answer, 'task')]) {
    for (const [name, scale] of SERVER_INTERVAL_FIELDS) {
      const raw = field(fields, name)
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value * scale
    }
  }
  return undefined
}

const SERVER_INTERVAL_FIELDS: readonly (readonly [string, number])[] = [
  ['pollIntervalMs', 1],
  ['poll_interval_ms', 1],
  ['pollInterval', 1],
  ['retry_after', 1000],
  ['retryAfter', 1000],
  ['Retry-After', 1000],
]

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined
}
