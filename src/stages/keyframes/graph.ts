/**
 * A small dependency-graph runner: the keyframes stage's work is a list of steps, each naming
 * the steps it needs. In `graph` mode every step starts as soon as its dependencies have
 * finished (the generation queue then bounds how many model calls run at once); in
 * `sequential` mode the steps run one at a time in list order.
 */

/** How a graph is run. */
export type GraphMode = 'graph' | 'sequential'

/** The outcome of one step, with when it ran (ms since the graph started). */
export type NodeOutcome =
  | { status: 'fulfilled'; value: unknown; startedMs: number; endedMs: number }
  | { status: 'rejected'; reason: unknown; startedMs: number | null; endedMs: number }

/** Read access to the outcomes of finished steps. */
export interface GraphResults {
  /** The outcome of `id`, once it has finished. */
  outcome(id: string): NodeOutcome | undefined
  /** The value of a fulfilled step (a step may read the values of its `needs`). */
  value<T>(id: string): T
}

/** One step. */
export interface GraphNode {
  id: string
  /** Steps that must succeed first; when one fails, this step is not run and fails with {@link SkippedError}. */
  needs: readonly string[]
  /** Steps that must have finished first, successfully or not (this step handles their failure). */
  after?: readonly string[]
  run(results: GraphResults): Promise<unknown>
}

/** The failure of a step that was not run because a step it needs failed. */
export class SkippedError extends Error {
  override readonly name = 'SkippedError'
  constructor(
    readonly node: string,
    readonly dependency: string,
    readonly dependencyReason: unknown,
  ) {
    super(`${node} was skipped because ${dependency} failed`)
  }
}

/**
 * Runs `nodes` and returns every outcome by id. Never rejects for a step's failure.
 *
 * @param nodes in an order where every step comes after the steps it names (a topological
 *   order: the storyboard order for keyframes)
 * @throws Error when an id is repeated or a step names a step that does not come before it
 */
export async function runGraph(
  nodes: readonly GraphNode[],
  mode: GraphMode,
  now: () => number = () => performance.now(),
): Promise<Map<string, NodeOutcome>> {
  checkOrder(nodes)
  const start = now()
  const outcomes = new Map<string, NodeOutcome>()
  const results: GraphResults = {
    outcome: (id) => outcomes.get(id),
    value: <T>(id: string): T => {
      const outcome = outcomes.get(id)
      if (outcome?.status !== 'fulfilled') throw new Error(`step ${id} has no value`)
      return outcome.value as T
    },
  }
  const execute = async (node: GraphNode): Promise<void> => {
    const failed = node.needs.find((id) => outcomes.get(id)?.status !== 'fulfilled')
    if (failed !== undefined) {
      const dep = outcomes.get(failed)
      outcomes.set(node.id, {
        status: 'rejected',
        reason: new SkippedError(
          node.id,
          failed,
          dep?.status === 'rejected' ? dep.reason : undefined,
        ),
        startedMs: null,
        endedMs: Math.round(now() - start),
      })
      return
    }
    const startedMs = Math.round(now() - start)
    try {
      const value = await node.run(results)
      outcomes.set(node.id, {
        status: 'fulfilled',
        value,
        startedMs,
        endedMs: Math.round(now() - start),
      })
    } catch (reason) {
      outcomes.set(node.id, {
        status: 'rejected',
        reason,
        startedMs,
        endedMs: Math.round(now() - start),
      })
    }
  }

  if (mode === 'sequential') {
    for (const node of nodes) await execute(node)
    return outcomes
  }
  const done = new Map<string, Promise<void>>()
  for (const node of nodes) {
    const waits = [...node.needs, ...(node.after ?? [])].map((id) => done.get(id) as Promise<void>)
    done.set(
      node.id,
      Promise.all(waits).then(() => execute(node)),
    )
  }
  await Promise.all(done.values())
  return outcomes
}

function checkOrder(nodes: readonly GraphNode[]): void {
  const seen = new Set<string>()
  for (const node of nodes) {
    if (seen.has(node.id)) throw new Error(`step ${node.id} appears twice`)
    for (const dep of [...node.needs, ...(node.after ?? [])]) {
      if (!seen.has(dep))
        throw new Error(`step ${node.id} depends on ${dep}, which does not come before it`)
    }
    seen.add(node.id)
  }
}
