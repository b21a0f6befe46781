import { afterEach, describe, expect, it } from 'vitest'
import { deadlineSignal } from '../../../src/core/abort.js'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { JobHandle, McpModelJob, RunJobOptions } from '../../../src/providers/kinds/job.js'
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
import { JobRunner } from '../../../src/runner/job-runner.js'

/**
 * Issue 12 §3: a server of MCP revision 2026-07-28 with the tasks extension (built in
 * test/fixtures from the extension's message shapes), reached through the suite's MCP pool and
 * job runner: a task answer becomes the job's handle (`task: "2026-07-28"`) and is followed by
 * the runner's one task follower (`src/runner/mcp-task-job.ts`). The resume of such a task
 * after a killed run: `tasks-modern-resume.test.ts`.
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

/** A synchronous MCP job of `tool` on the test server. */
function job(tool: string, args: Record<string, unknown>): McpModelJob {
  return {
    provider: 'mcp',
    label: tool,
    call: { type: 'sync', tool },
    args,
    hints: ['modern'],
    answer: 'text',
  }
}

function runOptions(): RunJobOptions {
  return { signal: new AbortController().signal, logger: new MemoryLogger() }
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

  it('journals the task answer as the handle and follows it with tasks/get, never faster than pollIntervalMs', async () => {
    const { server, pool } = await open({ latencyMs: 1200, pollIntervalMs: 300 })
    const handles: JobHandle[] = []
    const statuses: string[] = []
    const runner = new JobRunner({ mcp: pool }, { onSubmitted: (_job, h) => void handles.push(h) })
    const output = await runner.run(job('render', { prompt: 'a red fox' }), {
      ...runOptions(),
      onTaskStatus: (status) => statuses.push(status),
    })
    expect(output.text).toBe('rendered "a red fox"')
    // The task id is the job's durable handle, with its protocol revision (what the journal keeps).
    expect(handles).toEqual([
      {
        provider: 'mcp',
        server: 'modern',
        tools: ['render'],
        id: 'task-1',
        workflow: null,
        task: '2026-07-28',
      },
    ])
    expect(server.log.calls).toEqual([{ tool: 'render', withTasks: true }])
    const polls = server.log.polls.get('task-1') ?? []
    // 1.2 s of work at one poll per 300 ms: about 4 polls, the last one sees it completed.
    expect(polls.length).toBeGreaterThanOrEqual(3)
    expect(polls.length).toBeLessThanOrEqual(6)
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(290)
    expect(statuses[0]).toBe('working')
    expect(statuses.at(-1)).toBe('completed')
    expect(server.log.cancelled).toEqual([])
    expect(server.log.dropped).toEqual([])
  })

  it('cancels the task with tasks/cancel when the deadline passes', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100 })
    const deadline = deadlineSignal(600, 'the render')
    const error = await caught(
      new JobRunner({ mcp: pool }).run(job('render', { prompt: 'slow' }), {
        ...runOptions(),
        signal: deadline.signal,
      }),
    )
    deadline.clear()
    expect(error.code).toBe('IMG_003')
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('cancels the task with tasks/cancel when the run is aborted', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100 })
    const controller = new AbortController()
    const reason = new KamuiError('RUN_001', 'cancelled by the test')
    setTimeout(() => controller.abort(reason), 400)
    const error = await caught(
      new JobRunner({ mcp: pool }).run(job('render', { prompt: 'x' }), {
        ...runOptions(),
        signal: controller.signal,
      }),
    )
    expect(error.code).toBe('RUN_001')
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('treats a task that outlives its ttlMs as lost and cancels it', async () => {
    const { server, pool } = await open({ latencyMs: 10_000, pollIntervalMs: 100, ttlMs: 500 })
    const started = Date.now()
    const error = await caught(
      new JobRunner({ mcp: pool }).run(job('render', { prompt: 'x' }), runOptions()),
    )
    expect(error.code).toBe('IMG_003')
    expect(error.message).toContain('ttlMs')
    expect(error.message).toContain('task-1')
    expect(Date.now() - started).toBeLessThan(3000)
    expect(server.log.cancelled).toEqual(['task-1'])
  })

  it('fails the job with the JSON-RPC error of a failed task, classified like a tool error', async () => {
    const { server, pool } = await open({
      latencyMs: 300,
      pollIntervalMs: 100,
      failWith: { code: -32603, message: 'model crashed: out of memory' },
    })
    const error = await caught(
      new JobRunner({ mcp: pool }).run(job('render', { prompt: 'x' }), runOptions()),
    )
    expect(error.code).toBe('GEN_001')
    expect(error.message).toContain('model crashed: out of memory')
    expect(server.log.cancelled).toEqual([])
  })

  it('keeps the HTTP stream of a call without a task id open until its answer, with progress', async () => {
    const { server, pool } = await open({ latencyMs: 300, pollIntervalMs: 100, slowMs: 900 })
    const progress: number[] = []
    const output = await new JobRunner({ mcp: pool }).run(job('echo_slow', {}), {
      ...runOptions(),
      onProgress: (p) => progress.push(p.progress),
    })
    expect(output.text).toBe('echo done')
    expect(output.handle.task).toBeUndefined()
    expect(progress).toEqual([1, 2])
    expect(server.log.calls).toEqual([{ tool: 'echo_slow', withTasks: true }])
    expect(server.log.dropped).toEqual([])
    expect(server.log.methods.filter((m) => m.startsWith('tasks/'))).toEqual([])
  })

  it('a call that cannot follow a task (McpPool.callTool) does not declare the extension', async () => {
    const { server, pool } = await open({ latencyMs: 300, pollIntervalMs: 100, slowMs: 300 })
    const echo = await pool.findTool('echo_slow')
    const result = await pool.callTool(echo, {}, { timeoutMs: 20_000 })
    expect(result.content).toEqual([{ type: 'text', text: 'echo done' }])
    // A task-only tool is refused (-32021) rather than answered with a task nobody follows.
    const render = await pool.findTool('render')
    const error = await caught(pool.callTool(render, {}, { timeoutMs: 20_000 }))
    expect(error.message).toContain('Missing required client capability')
    expect(server.log.calls).toEqual([
      { tool: 'echo_slow', withTasks: false },
      { tool: 'render', withTasks: false },
    ])
    expect(server.log.methods.filter((m) => m.startsWith('tasks/'))).toEqual([])
  })
})
