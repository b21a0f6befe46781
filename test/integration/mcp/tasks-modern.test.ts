import { afterEach, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import {
  META_CLIENT_CAPABILITIES,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  TASKS_EXTENSION,
} from '../../../src/providers/mcp/modern/schemas.js'
import {
  startModernTasksServer,
  type ModernServer,
  type ModernServerOptions,
} from '../../fixtures/servers/modern-tasks.js'

/**
 * Issue 12 §3: a server of MCP revision 2026-07-28 with the tasks extension (built in
 * test/fixtures from the extension's message shapes), reached through the suite's MCP pool.
 */

let server: ModernServer | undefined
let pool: McpPool | undefined

afterEach(async () => {
  await pool?.close()
  await server?.close()
  pool = undefined
  server = undefined
})

async function open(
  options: ModernServerOptions,
): Promise<{ server: ModernServer; pool: McpPool }> {
  server = await startModernTasksServer(options)
  const context = { logger: new MemoryLogger(), redactor: new Redactor(), env: {} }
  pool = new McpPool(
    { modern: { kind: 'remote', url: server.url, headers: {}, transport: 'http' } },
    context,
  )
  return { server, pool }
}

async function caught(promise: Promise<unknown>): Promise<KamuiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KamuiError)
  return error as KamuiError
}

describe('MCP 2026-07-28 tasks extension', () => {
  it('connects with server/discover after a refused initialize, and declares the extension on every request', async () => {
    const { server, pool } = await open({ latencyMs: 300, pollIntervalMs: 100 })
    const location = await pool.findTool('render')
    expect(location.server).toBe('modern')
    // initialize (revision 2025-11-25) is refused by this server; the pool then discovers.
    expect(server.log.methods.slice(0, 3)).toEqual(['initialize', 'server/discover', 'tools/list'])
    expect(server.log.refused).toEqual(['initialize'])
    for (const meta of server.log.metas.slice(1)) {
      expect(meta[META_PROTOCOL_VERSION]).toBe(MODERN_PROTOCOL_VERSION)
      expect(meta[META_CLIENT_CAPABILITIES]).toEqual({ extensions: { [TASKS_EXTENSION]: {} } })
    }
  })

  it('follows a task answer with tasks/get, never faster than pollIntervalMs, to its result', async () => {
    const { server, pool } = await open({ latencyMs: 1200, pollIntervalMs: 300 })
    const location = await pool.findTool('render')
    const result = await pool.callTool(location, { prompt: 'a red fox' }, { timeoutMs: 20_000 })
    expect(result.content).toEqual([{ type: 'text', text: 'rendered "a red fox"' }])
    const polls = server.log.polls.get('task-1') ?? []
    // 1.2 s of work at one poll per 300 ms: about 4 polls, the last one sees it completed.
    expect(polls.length).toBeGreaterThanOrEqual(3)
    expect(polls.length).toBeLessThanOrEqual(6)
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(290)
    expect(server.log.cancelled).toEqual([])
    expect(server.log.dropped).toEqual([])
  })

  it('cancels the task with tasks/cancel when the deadline passes', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100 })
    const location = await pool.findTool('render')
    const error = await caught(pool.callTool(location, { prompt: 'slow' }, { timeoutMs: 600 }))
    expect(error.code).toBe('IMG_003')
    expect(error.message).toContain('task-1')
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('cancels the task with tasks/cancel when the run is aborted', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100 })
    const location = await pool.findTool('render')
    const controller = new AbortController()
    const reason = new KamuiError('RUN_001', 'cancelled by the test')
    setTimeout(() => controller.abort(reason), 400)
    const error = await caught(
      pool.callTool(location, { prompt: 'x' }, { timeoutMs: 20_000, signal: controller.signal }),
    )
    expect(error.code).toBe('RUN_001')
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('treats a task that outlives its ttlMs as lost and cancels it', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100, ttlMs: 500 })
    const location = await pool.findTool('render')
    const error = await caught(pool.callTool(location, { prompt: 'x' }, { timeoutMs: 20_000 }))
    expect(error.code).toBe('IMG_003')
    expect(error.message).toContain('ttlMs')
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('keeps the HTTP stream of a call without a task id open until its answer, with progress', async () => {
    const { server, pool } = await open({ latencyMs: 300, pollIntervalMs: 100, slowMs: 900 })
    const location = await pool.findTool('echo_slow')
    const progress: number[] = []
    const result = await pool.callTool(
      location,
      {},
      { timeoutMs: 20_000, onProgress: (p) => progress.push(p.progress) },
    )
    expect(result.content).toEqual([{ type: 'text', text: 'echo done' }])
    expect(progress).toEqual([1, 2])
    expect(server.log.dropped).toEqual([])
    expect(server.log.methods.filter((m) => m.startsWith('tasks/'))).toEqual([])
  })
})
