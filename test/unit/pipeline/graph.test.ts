import { describe, expect, it } from 'vitest'
import { criticalPath, runTaskGraph, type TaskGraph } from '../../../src/stages/pipeline/graph.js'

/** A promise with its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

describe('runTaskGraph', () => {
  it('starts a task once the tasks it names have settled, and runs independent ones side by side', async () => {
    const log: string[] = []
    const gate = deferred()
    const bothStarted = { b: deferred(), c: deferred() }
    const graph: TaskGraph<{ a: number; b: string; c: number; d: string }> = {
      a: { after: [], run: async () => (log.push('a'), 2) },
      b: {
        after: ['a'],
        run: async (s) => {
          log.push('b start')
          bothStarted.b.resolve()
          await gate.promise
          return `b${s.a?.status === 'ok' ? s.a.value : '?'}`
        },
      },
      c: {
        after: ['a'],
        run: async (s) => {
          log.push('c start')
          bothStarted.c.resolve()
          await Promise.all([bothStarted.b.promise, bothStarted.c.promise])
          gate.resolve()
          return s.a?.status === 'ok' ? s.a.value * 10 : -1
        },
      },
      d: {
        after: ['b', 'c'],
        run: async (s) => {
          log.push('d')
          const b = s.b?.status === 'ok' ? s.b.value : ''
          const c = s.c?.status === 'ok' ? s.c.value : 0
          return `${b}+${c}`
        },
      },
    }
    const outcomes = await runTaskGraph(graph)
    expect(log.slice(0, 1)).toEqual(['a'])
    expect(new Set(log.slice(1, 3))).toEqual(new Set(['b start', 'c start']))
    expect(log[3]).toBe('d')
    expect(outcomes.d).toMatchObject({ status: 'ok', value: 'b2+20' })
  })

  it('records a failure and still runs the tasks after it, which see the failure', async () => {
    const boom = new Error('boom')
    const outcomes = await runTaskGraph<{ a: number; b: string }>({
      a: { after: [], run: () => Promise.reject(boom) },
      b: { after: ['a'], run: async (s) => (s.a?.status === 'failed' ? 'saw failure' : 'no') },
    })
    expect(outcomes.a).toMatchObject({ status: 'failed', error: boom })
    expect(outcomes.b).toMatchObject({ status: 'ok', value: 'saw failure' })
  })

  it('measures spans on the given clock', async () => {
    let t = 100
    const outcomes = await runTaskGraph<{ a: number; b: number }>(
      {
        a: { after: [], run: async () => ((t += 5), 1) },
        b: { after: ['a'], run: async () => ((t += 7), 2) },
      },
      () => t,
    )
    expect(outcomes.a).toMatchObject({ startedMs: 100, endedMs: 105 })
    expect(outcomes.b).toMatchObject({ startedMs: 105, endedMs: 112 })
  })

  it('refuses a cycle and an unknown task before running anything', async () => {
    let ran = 0
    const run = async (): Promise<number> => ++ran
    await expect(
      runTaskGraph<{ a: number; b: number }>({
        a: { after: ['b'], run },
        b: { after: ['a'], run },
      }),
    ).rejects.toThrow(/cycle a → b → a/)
    await expect(runTaskGraph({ a: { after: ['x' as 'a'], run } } as never)).rejects.toThrow(
      /unknown task x/,
    )
    expect(ran).toBe(0)
  })
})

describe('criticalPath', () => {
  const after = {
    image: [],
    keyframes: ['image'],
    video: ['keyframes'],
    pointcloud: ['image'],
    web: ['video', 'pointcloud'],
  } as const

  it('is the chain with the largest sum of task durations', () => {
    const spans = {
      image: { startedMs: 0, endedMs: 10 },
      keyframes: { startedMs: 10, endedMs: 15 },
      video: { startedMs: 15, endedMs: 40 },
      pointcloud: { startedMs: 10, endedMs: 35 },
      web: { startedMs: 40, endedMs: 42 },
    }
    expect(criticalPath(after, spans)).toEqual({
      path: ['image', 'keyframes', 'video', 'web'],
      ms: 42,
    })
    const slowCloud = { ...spans, pointcloud: { startedMs: 10, endedMs: 50 } }
    expect(criticalPath(after, slowCloud)).toEqual({ path: ['image', 'pointcloud', 'web'], ms: 52 })
  })

  it('leaves out tasks that did not run', () => {
    expect(
      criticalPath(after, {
        image: { startedMs: 0, endedMs: 3 },
        web: { startedMs: 3, endedMs: 4 },
      }),
    ).toEqual({ path: ['image', 'web'], ms: 4 })
  })
})
