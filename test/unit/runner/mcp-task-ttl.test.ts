import { describe, expect, it } from 'vitest'
import { followTask, type TaskSnapshot } from '../../../src/runner/mcp-task-job.js'
import { ModelLatencies } from '../../../src/runner/model-latency.js'

/**
 * The TTL of a task (the 2026-07-28 tasks extension: `createdAt` + `ttlMs`, as `expiresAtMs`)
 * in the runner's one task follower: a task still working past it is not polled again.
 */

function spec(get: () => Promise<TaskSnapshot>, created: TaskSnapshot) {
  return {
    model: 'server\u0000tool',
    label: 'tool',
    taskId: 't1',
    submittedAt: performance.now(),
    created,
    latencies: new ModelLatencies(),
    get,
  }
}

describe('followTask and a task TTL', () => {
  it('stops with expired: true once the latest snapshot outlived expiresAtMs', async () => {
    const expiresAtMs = Date.now() + 400
    let gets = 0
    const get = (): Promise<TaskSnapshot> => {
      gets++
      return Promise.resolve({ status: 'working', pollIntervalMs: 100, ttlMs: 400, expiresAtMs })
    }
    const started = Date.now()
    const final = await followTask(
      spec(get, { status: 'working', pollIntervalMs: 100, ttlMs: 400, expiresAtMs }),
      { random: () => 0.5 },
    )
    expect(final).toMatchObject({ status: 'working', expired: true, ttlMs: 400 })
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs)
    expect(Date.now() - started).toBeLessThan(2500)
    // Polled while the TTL lasted (every 100 ms or more), not after it.
    expect(gets).toBeGreaterThanOrEqual(1)
    expect(gets).toBeLessThanOrEqual(5)
  })

  it('returns a task that completes before its TTL without expired', async () => {
    const expiresAtMs = Date.now() + 60_000
    const answers: TaskSnapshot[] = [
      { status: 'working', pollIntervalMs: 100, expiresAtMs },
      { status: 'completed', expiresAtMs },
    ]
    let i = 0
    const get = (): Promise<TaskSnapshot> =>
      Promise.resolve(answers[Math.min(i++, 1)] as TaskSnapshot)
    const final = await followTask(spec(get, { status: 'working', expiresAtMs }), {
      pollIntervalMs: 100,
    })
    expect(final.status).toBe('completed')
    expect(final.expired).toBeUndefined()
  })

  it('a snapshot without expiresAtMs (revision 2025-11-25) has no TTL limit in the follower', async () => {
    let i = 0
    const get = (): Promise<TaskSnapshot> =>
      Promise.resolve(i++ < 3 ? { status: 'working', ttlMs: 1 } : { status: 'completed', ttlMs: 1 })
    const final = await followTask(spec(get, { status: 'working', ttlMs: 1 }), {
      pollIntervalMs: 100,
    })
    expect(final).toMatchObject({ status: 'completed' })
    expect(final.expired).toBeUndefined()
  })
})
