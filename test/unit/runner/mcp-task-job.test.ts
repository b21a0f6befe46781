import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { KamuiError } from '../../../src/core/errors.js'
import type { McpPool } from '../../../src/providers/mcp/pool.js'
import {
  SharedTaskStore,
  previewTaskCapabilities,
  registerPreviewTool,
} from '../../../src/providers/preview/tasks.js'
import { ModelLatencies } from '../../../src/runner/model-latency.js'
import {
  followTask,
  submitTaskJob,
  waitTaskJob,
  type TaskSnapshot,
} from '../../../src/runner/mcp-task-job.js'

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

describe('submitTaskJob and waitTaskJob', () => {
  it('create the task with the journalled idempotency key and read its result', async () => {
    const store = new SharedTaskStore()
    const server = new McpServer(
      { name: 'keyed', version: '1.0.0' },
      { capabilities: previewTaskCapabilities(), taskStore: store },
    )
    registerPreviewTool(
      server,
      { revision: '2025-11-25', store },
      {
        name: 'render',
        title: 'Render',
        description: 'Echoes its arguments as a task.',
        inputSchema: { prompt: z.string(), idempotency_key: z.string().optional() },
        run: (args) => Promise.resolve({ content: [{ type: 'text', text: JSON.stringify(args) }] }),
      },
    )
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'test', version: '1.0.0' })
    await client.connect(clientSide)
    // The pool's part the task steps use: one server, its client, results as they come.
    const pool = {
      request: (
        _at: unknown,
        signal: AbortSignal | undefined,
        send: (c: Client, s: AbortSignal) => unknown,
      ) => send(client, signal ?? new AbortController().signal),
      toolResult: (_at: unknown, raw: unknown) => raw,
      redact: (text: string) => text,
    } as unknown as McpPool
    const entry = {
      server: 'keyed',
      tool: 'render',
      inputProperties: ['prompt', 'idempotency_key'],
      taskSupport: 'optional' as const,
    }
    try {
      const statuses: string[] = []
      const options = {
        idempotencyKey: 'key-1',
        pollIntervalMs: 100,
        onTaskStatus: (status: string) => statuses.push(status),
      }
      const submission = await submitTaskJob(
        pool,
        entry,
        ['render'],
        { prompt: 'x', seed: 3 },
        options,
      )
      expect(submission.handle).toMatchObject({ task: '2025-11-25', tools: ['render'] })
      expect(submission.idempotencyKey).toBe('key-1')
      const result = await waitTaskJob(pool, submission, options)
      const text = result.content[0]?.type === 'text' ? result.content[0].text : ''
      // The undeclared `seed` is filtered out; the key goes under the declared argument.
      expect(JSON.parse(text)).toEqual({ prompt: 'x', idempotency_key: 'key-1' })
      expect(statuses[0]).toBe('working')
      expect(statuses.at(-1)).toBe('completed')
    } finally {
      await client.close()
      store.cleanup()
    }
  })
})

/**
 * The TTL of a task (the 2026-07-28 tasks extension: `createdAt` + `ttlMs`, as `expiresAtMs`)
 * in the runner's one task follower: a task still working past it is not polled again.
 */
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
