/**
 * A small typed task graph: each task names the tasks it runs after and starts as soon as all
 * of them have settled (succeeded or failed), receiving their typed outcomes. Used by the
 * pipeline to run its stages side by side where their inputs allow.
 */

/** When a task ran, ms on the graph's clock (by default: since the graph started). */
export interface TaskSpan {
  startedMs: number
  endedMs: number
}

/** How one task ended: its typed value, or the error it threw. */
export type TaskOutcome<V> =
  ({ status: 'ok'; value: V } & TaskSpan) | ({ status: 'failed'; error: unknown } & TaskSpan)

/** The outcomes of every task of a graph whose tasks return the values of `R`. */
export type TaskOutcomes<R> = { [K in keyof R]: TaskOutcome<R[K]> }

/** A task of a graph of `R` returning a `V`; `run` sees the outcomes of the tasks named in `after`. */
export interface Task<R, V> {
  after: readonly (keyof R)[]
  run(settled: Partial<TaskOutcomes<R>>): Promise<V>
}

/** A task for every key of `R`, returning that key's value. */
export type TaskGraph<R> = { [K in keyof R]: Task<R, R[K]> }

/**
 * Runs every task of `graph`, each once its `after` tasks have settled, and returns every
 * outcome. Never rejects for a task's failure (it is in the outcome).
 *
 * @param now the clock of the spans, ms (default: ms since this call; tests may pass a fake one)
 * @throws Error when a task names an unknown task or the tasks form a cycle
 */
export async function runTaskGraph<R>(
  graph: TaskGraph<R>,
  now: () => number = elapsedSince(performance.now()),
): Promise<TaskOutcomes<R>> {
  const keys = Object.keys(graph) as (keyof R)[]
  checkAcyclic(graph, keys)
  const started = new Map<keyof R, Promise<TaskOutcome<unknown>>>()
  const settled: Partial<Record<keyof R, TaskOutcome<unknown>>> = {}
  const start = <K extends keyof R>(key: K): Promise<TaskOutcome<R[K]>> => {
    let running = started.get(key)
    if (!running) {
      const task = graph[key]
      running = Promise.all(task.after.map((k) => start(k))).then(async () => {
        const startedMs = now()
        let outcome: TaskOutcome<R[K]>
        try {
          const value = await task.run({ ...settled } as Partial<TaskOutcomes<R>>)
          outcome = { status: 'ok', value, startedMs, endedMs: now() }
        } catch (error) {
          outcome = { status: 'failed', error, startedMs, endedMs: now() }
        }
        settled[key] = outcome
        return outcome
      })
      started.set(key, running)
    }
    return running as Promise<TaskOutcome<R[K]>>
  }
  await Promise.all(keys.map((key) => start(key)))
  return settled as TaskOutcomes<R>
}

/** A clock reading ms since `origin` (a `performance.now()` value). */
export function elapsedSince(origin: number): () => number {
  return () => performance.now() - origin
}

/** @throws Error naming an unknown dependency or a task on a cycle */
function checkAcyclic<R>(graph: TaskGraph<R>, keys: readonly (keyof R)[]): void {
  const done = new Set<keyof R>()
  const visit = (key: keyof R, path: readonly (keyof R)[]): void => {
    if (done.has(key)) return
    if (path.includes(key)) {
      throw new Error(`task graph: cycle ${[...path, key].map(String).join(' → ')}`)
    }
    const task = graph[key] as Task<R, unknown> | undefined
    if (!task)
      throw new Error(`task graph: ${String(path.at(-1))} runs after unknown task ${String(key)}`)
    for (const dep of task.after) visit(dep, [...path, key])
    done.add(key)
  }
  for (const key of keys) visit(key, [])
}

/**
 * The critical path of finished tasks: the chain along `after` with the largest sum of task
 * durations (`endedMs − startedMs`), and that sum. A graph's wall time cannot be below it when
 * every task starts only after the tasks it names have ended.
 *
 * @param spans each task's span; tasks without a span (not run) are left out of every chain
 */
export function criticalPath<K extends string>(
  after: Readonly<Record<K, readonly NoInfer<K>[]>>,
  spans: Partial<Record<NoInfer<K>, TaskSpan>>,
): { path: K[]; ms: number } {
  const memo = new Map<K, { path: K[]; ms: number }>()
  const longest = (key: K): { path: K[]; ms: number } => {
    const known = memo.get(key)
    if (known) return known
    const span = spans[key]
    let best: { path: K[]; ms: number } = { path: [], ms: 0 }
    for (const dep of after[key]) {
      const chain = longest(dep)
      if (chain.ms > best.ms) best = chain
    }
    const result = span
      ? { path: [...best.path, key], ms: best.ms + (span.endedMs - span.startedMs) }
      : best
    memo.set(key, result)
    return result
  }
  let best: { path: K[]; ms: number } = { path: [], ms: 0 }
  for (const key of Object.keys(after) as K[]) {
    const chain = longest(key)
    if (chain.ms > best.ms) best = chain
  }
  return best
}
