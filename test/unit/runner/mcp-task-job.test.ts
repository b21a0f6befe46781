import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { ModelLatencies } from '../../../src/runner/model-latency.js'
import { followTask, type TaskSnapshot } from '../../../src/runner/mcp-task-job.js'

/** `followTask` (the `tasks/get` loop shared by both task revisions) against a scripted `get`. */

function scripted(answers: (TaskSnapshot | Error)[]): {
  get: () => Promise<TaskSnapshot>
  calls: number[]
} {
  const calls: number[] = []
  const started = performance.now()
  let i = 0
  return {
    calls,
    get: () => {
      calls.push(performance.now() - started)
      const answer = answers[Math.min(i++, answers.length - 1)] as TaskSnapshot | Error
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)
    },
  }
}

const spec = (get: () => Promise<TaskSnapshot>, created?: TaskSnapshot) => ({
  model: 'server\u0000tool',
  label: 'tool',
  taskId: 't1',
  submittedAt: performance.now(),
  created,
  latencies: new ModelLatencies(),
  get,
})

describe('followTask', () => {
  it('waits at least the server pollInterval between two tasks/get, from creation on', async () => {
    const { get, calls } = scripted([
      { status: 'working', pollIntervalMs: 250 },
      { status: 'working', statusMessage: 'half way', pollIntervalMs: 250 },
      { status: 'completed' },
    ])
    const statuses: string[] = []
    const final = await followTask(spec(get, { status: 'working', pollIntervalMs: 250 }), {
      random: () => 0.5,
      onTaskStatus: (status, message) => statuses.push(`${status}:${message ?? ''}`),
    })
    expect(final.status).toBe('completed')
    expect(calls).toHaveLength(3)
    expect(calls[0]).toBeGreaterThanOrEqual(245)
    expect((calls[1] as number) - (calls[0] as number)).toBeGreaterThanOrEqual(245)
    expect((calls[2] as number) - (calls[1] as number)).toBeGreaterThanOrEqual(245)
    expect(statuses).toEqual(['working:', 'working:half way', 'completed:'])
  })

  it('returns failed, cancelled and input_required snapshots to the caller', async () => {
    for (const status of ['failed', 'cancelled', 'input_required'] as const) {
      const { get } = scripted([{ status, statusMessage: 'why' }])
      const final = await followTask(spec(get), { pollIntervalMs: 100 })
      expect(final).toEqual({ status, statusMessage: 'why' })
    }
  })

  it('tolerates two retryable tasks/get failures in a row, not three', async () => {
    const transient = (): KamuiError =>
      new KamuiError('MCP_001', 'connection reset', { retryable: true })
    const twice = scripted([transient(), transient(), { status: 'completed' }])
    expect((await followTask(spec(twice.get), { pollIntervalMs: 100 })).status).toBe('completed')
    const thrice = scripted([transient(), transient(), transient(), { status: 'completed' }])
    await expect(followTask(spec(thrice.get), { pollIntervalMs: 100 })).rejects.toThrow(
      'connection reset',
    )
  })

  it('stops at once with the signal’s reason when it aborts', async () => {
    const { get, calls } = scripted([{ status: 'working', pollIntervalMs: 5000 }])
    const controller = new AbortController()
    const reason = new KamuiError('IMG_003', 'deadline')
    setTimeout(() => controller.abort(reason), 150)
    const started = performance.now()
    await expect(
      followTask(spec(get, { status: 'working', pollIntervalMs: 5000 }), {
        signal: controller.signal,
      }),
    ).rejects.toBe(reason)
    expect(performance.now() - started).toBeLessThan(2000)
    expect(calls).toHaveLength(0)
  })
})
