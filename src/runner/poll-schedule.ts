/**
 * The adaptive status-polling schedule of the job runner (SPEC §3.1; issue 12 §1): when to make
 * the next status call of a submitted job, given how long it has run, what earlier jobs of the
 * same model took, and what the server asked for. Pure: time and randomness come in as
 * arguments, so the sequence is reproducible in tests.
 *
 * The schedule, with `t` the ms since the job was submitted:
 *
 * 1. The first status call is made {@link FIRST_POLL_MS} (125 ms) after submit.
 * 2. Without an estimate of the model's latency, the pause after a call at `t` is
 *    `min(300 + 0.3·t, 2000)` ms: about 3 calls in the first second, then backing off
 *    geometrically (each pause 30 % of the time run so far) to the cap of 2 s.
 * 3. With an estimate `E` (ms from submit to ready, learned from earlier jobs of the same model,
 *    see `model-latency.ts`) and its window `w = max(200, E / 40, spread / 2)`: before `E − w`
 *    the pauses are `max(500, 2t, (E − w − t) / 2)`, at most 2 s and never past `E − w` (they
 *    only catch an early finish; a pause that would end less than 500 ms before `E − w` goes
 *    to `E − w` itself); from `E − w` to `E + w` the job is polled every `max(200, w)` ms
 *    ({@link DENSE_POLL_MS}): at the window's start, at `E` and at its end; after `E + w` the
 *    backoff of step 2 restarts from that point.
 * 4. Every pause is jittered by ±20 % (uniform), never below {@link MIN_POLL_MS} (100 ms).
 * 5. An interval the server gives (`pollInterval` / `pollIntervalMs` in a status answer, a
 *    `Retry-After` of a refused status call) is a floor, counted from its answer.
 * 6. A fixed interval (the registry's `pollIntervalMs`, the context's or the video stage's
 *    `poll-interval`) replaces all of the above: every pause is that interval, as before.
 *
 * Worst-case call rate per job: one call per 160 ms (200 ms less its jitter, about 6 per second),
 * reached only inside an estimate's window, which holds at most 3 calls
 * (`2w / max(200, w) + 1`); outside it at most one call per 240 ms (the 300 ms pause less
 * its jitter) in the first second, then one per 1.6–2.4 s once the cap is reached (after about
 * 5.7 s). Typical counts per job (unjittered): without an estimate 6 calls for L = 3 s
 * (≈ 1.9/s) and 11 for L = 12 s (≈ 0.9/s); with an estimate 5 for L = 3 s (≈ 1.6/s) and 9 for
 * L = 12 s (≈ 0.75/s); `npm run bench` prints the measured figures. Jobs of one model submitted
 * together share their news: the first to see its job completed wakes the others
 * (`model-latency.ts`), so a batch is noticed at the earliest of its members' calls.
 */

/** Delay of the first status call after submit, ms. */
export const FIRST_POLL_MS = 125
/** Shortest pause between two status calls, ms (the registry's `pollIntervalMs` minimum too). */
export const MIN_POLL_MS = 100
/** Shortest pause inside an estimate's window, and the window's smallest half-width, ms. */
export const DENSE_POLL_MS = 200
/** Longest pause of the backoff, ms. */
export const MAX_POLL_MS = 2000
/** Shortest pause of the approach to an estimate's window, ms. */
const APPROACH_MIN_MS = 500
/** Relative jitter of every pause (±). */
export const POLL_JITTER = 0.2

/** What the runner knows of a model's latency (ms from submit to ready). */
export interface LatencyEstimate {
  /** Expected ready time, ms after submit. */
  expectedMs: number
  /** Spread of the observed ready times (max − min), ms; 0 after one job. */
  spreadMs: number
}

/** Everything the next pause depends on. */
export interface PollInput {
  /** ms since submit at which the last status call was made; undefined before the first call. */
  elapsedMs: number | undefined
  /** The model's latency estimate, when earlier jobs of this run taught one. */
  estimate?: LatencyEstimate | undefined
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
  const base = t === undefined ? FIRST_POLL_MS : scheduled(t, input.estimate)
  let jittered = base * (1 + POLL_JITTER * (2 * input.random() - 1))
  if (t !== undefined && input.estimate) {
    // Never jump past the start of the estimate's window (the calls there are the ones that
    // count), nor stop less than 500 ms short of it (that call would only repeat its first one).
    const start = input.estimate.expectedMs - estimateWindowMs(input.estimate)
    if (t < start && start - (t + jittered) < APPROACH_MIN_MS) jittered = start - t
  }
  return Math.round(Math.max(jittered, MIN_POLL_MS, input.serverMs ?? 0))
}

/** The window around an estimate in which the job is polled densely, ms (half-width). */
export function estimateWindowMs(estimate: LatencyEstimate): number {
  return Math.max(DENSE_POLL_MS, estimate.expectedMs / 40, estimate.spreadMs / 2)
}

/** The unjittered pause after a call at `t` ms. */
function scheduled(t: number, estimate: LatencyEstimate | undefined): number {
  if (!estimate) return backoff(t)
  const w = estimateWindowMs(estimate)
  const start = estimate.expectedMs - w
  const end = estimate.expectedMs + w
  const dense = Math.max(DENSE_POLL_MS, w)
  if (t < start) {
    const approach = Math.max(APPROACH_MIN_MS, 2 * t, (start - t) / 2)
    return Math.max(Math.min(approach, MAX_POLL_MS, start - t), MIN_POLL_MS)
  }
  if (t <= end) return dense
  return Math.min(dense + 0.3 * (t - end), MAX_POLL_MS)
}

/** The backoff without an estimate: `min(300 + 0.3·t, 2000)` ms. */
function backoff(t: number): number {
  return Math.min(300 + 0.3 * t, MAX_POLL_MS)
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
