/**
 * The time-left estimate of a stage's progress line ("~40 s left"). A heuristic: it assumes
 * the jobs still to come take the mean time of the jobs already finished in this stage, and
 * run on as many slots as were ever busy at once.
 */

/** What the estimate is computed from. */
export interface EstimateInput {
  /** Jobs the stage plans in all. */
  total: number
  /** Jobs finished (made, failed or reused). */
  finished: number
  /** Elapsed time of each running job, ms. */
  runningElapsedMs: readonly number[]
  /** Durations of the jobs that ran to an end in this stage (reused ones excluded), ms. */
  durationsMs: readonly number[]
  /** Most jobs seen running at once (≥ 1 used). */
  concurrency: number
}

/**
 * Milliseconds left until the stage's last job ends, or undefined when nothing has finished
 * yet (no observed time) or the total is unknown. Simulated on `concurrency` slots: each
 * running job holds a slot for max(0, mean − elapsed); each job not yet started takes the
 * slot that frees first, for the mean.
 *
 * @example estimateRemainingMs({ total: 10, finished: 3, runningElapsedMs: [1000, 3000],
 *   durationsMs: [4000, 4000, 4000], concurrency: 2 }) // 13 000 (slots free at 3 and 1 s,
 *   then 5 more jobs of 4 s alternate between them)
 */
export function estimateRemainingMs(input: EstimateInput): number | undefined {
  const { total, finished, runningElapsedMs, durationsMs } = input
  if (!(total > 0) || durationsMs.length === 0) return undefined
  const mean = durationsMs.reduce((sum, d) => sum + d, 0) / durationsMs.length
  const slots = Math.max(1, Math.round(input.concurrency), runningElapsedMs.length)
  const free = runningElapsedMs.map((elapsed) => Math.max(0, mean - elapsed))
  while (free.length < slots) free.push(0)
  const waiting = Math.max(0, total - finished - runningElapsedMs.length)
  for (let i = 0; i < waiting; i++) {
    let first = 0
    for (let s = 1; s < free.length; s++) if ((free[s] ?? 0) < (free[first] ?? 0)) first = s
    free[first] = (free[first] ?? 0) + mean
  }
  return Math.round(Math.max(0, ...free))
}

/** "~40 s left", "~3 min left", "~1 h 5 min left"; rounded up to what a reader needs. */
export function formatRemaining(ms: number): string {
  const s = Math.ceil(ms / 1000)
  if (s < 60) return `~${Math.max(1, s)} s left`
  const min = Math.round(s / 60)
  if (min < 60) return `~${min} min left`
  return `~${Math.floor(min / 60)} h ${min % 60} min left`
}
