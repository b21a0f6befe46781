import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadlineSignal } from '../../../src/core/abort.js'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { ModelRegistry, loadRegistryFile } from '../../../src/models/registry.js'
import type { RunJobOptions } from '../../../src/providers/kinds/job.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { McpTextProvider } from '../../../src/providers/text/mcp-text.js'
import type { TextRequest } from '../../../src/providers/text/provider.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import {
  everythingBin,
  startEverything,
  type RunningServer,
} from '../../fixtures/servers/everything.js'
import {
  readTapLog,
  startHttpTap,
  tappedStdio,
  type HttpTap,
  type TappedMessage,
} from '../../fixtures/servers/mcp-tap.js'

/**
 * Issue 12 §2 acceptance: `simulate-research-query` of `@modelcontextprotocol/server-everything`
 * (`execution.taskSupport: "required"`, 4 stages of 1 s, `pollInterval` 1000 ms) is called as
 * an MCP task through a registry entry, over stdio and Streamable HTTP; its status messages are
 * followed, its result read; a deadline cancels it with `tasks/cancel`, seen at the server's
 * door (a stdio tap, an HTTP proxy).
 */

const REGISTRY = {
  models: {
    research: {
      provider: 'mcp',
      kind: 'image',
      displayName: 'Research (server-everything task demo)',
      call: { type: 'sync', tool: 'simulate-research-query' },
      serverHints: ['everything'],
      arguments: { ambiguous: false },
    },
  },
}

const request = (topic: string): TextRequest => ({
  messages: [{ role: 'user', content: topic }],
  schema: { name: 'report', description: 'a report', schema: { type: 'object' } },
  toolArgs: { topic },
})

let dir: string
let registry: ModelRegistry

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-tasks-everything-'))
  const file = path.join(dir, 'registry.json')
  await writeFile(file, JSON.stringify(REGISTRY))
  registry = ModelRegistry.builtin().with(await loadRegistryFile(file))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

function methods(messages: TappedMessage[], method: string): TappedMessage[] {
  return messages.filter((m) => m.method === method)
}

/** The same checks over each transport; `sent()` reads what reached the server. */
function suite(
  name: string,
  server: () => McpServerEntry,
  sent: () => Promise<TappedMessage[]>,
): void {
  describe(name, () => {
    let pool: McpPool
    beforeAll(() => {
      pool = new McpPool(
        { everything: server() },
        { logger: new MemoryLogger(), redactor: new Redactor(), env: { PATH: process.env.PATH } },
        { connectTimeoutMs: 20_000 },
      )
    })
    afterAll(async () => {
      await pool.close()
    })

    it('runs simulate-research-query as a task: status messages followed, result read', async () => {
      const entry = registry.find('research')
      if (!entry) throw new Error('no research entry')
      const location = await pool.findTool('simulate-research-query')
      expect(location.taskSupport).toBe('required')

      const statuses: { status: string; message: string | undefined; ms: number }[] = []
      const options: RunJobOptions = {
        signal: new AbortController().signal,
        logger: new MemoryLogger(),
        onTaskStatus: (status, message, ms) => statuses.push({ status, message, ms }),
      }
      const provider = new McpTextProvider(entry, new JobRunner({ mcp: pool }))
      const answer = await provider.ask(request('tidal energy'), options)

      expect(answer.text).toContain('# Research Report: tidal energy')
      expect(answer.model.tool).toBe('simulate-research-query')
      // Followed: working with the server's stage messages, then completed.
      expect(statuses[0]?.status).toBe('working')
      const messages = new Set(statuses.map((s) => s.message).filter((m) => m !== undefined))
      expect(messages.size).toBeGreaterThanOrEqual(2)
      expect([...messages].some((m) => m?.startsWith('Gathering sources'))).toBe(true)
      expect(statuses.at(-1)?.status).toBe('completed')

      const log = await sent()
      const calls = methods(log, 'tools/call')
      expect(calls).toHaveLength(1)
      expect(calls[0]?.params?.task).toEqual({})
      const gets = methods(log, 'tasks/get')
      expect(gets.length).toBeGreaterThanOrEqual(2)
      // pollInterval 1000 ms over a ~4 s task: no more than one tasks/get per second.
      expect(gets.length).toBeLessThanOrEqual(7)
      expect(methods(log, 'tasks/result')).toHaveLength(1)
      expect(methods(log, 'tasks/cancel')).toHaveLength(0)
    }, 30_000)

    it('cancels the task with tasks/cancel when the deadline passes (IMG_003)', async () => {
      const entry = registry.find('research')
      if (!entry) throw new Error('no research entry')
      const before = methods(await sent(), 'tasks/cancel').length
      const deadline = deadlineSignal(1500, 'the research query')
      const provider = new McpTextProvider(entry, new JobRunner({ mcp: pool }))
      const error = await provider
        .ask(request('deep sea vents'), { signal: deadline.signal, logger: new MemoryLogger() })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      deadline.clear()
      expect(error).toBeInstanceOf(KamuiError)
      expect((error as KamuiError).code).toBe('IMG_003')

      const log = await sent()
      const cancels = methods(log, 'tasks/cancel')
      expect(cancels).toHaveLength(before + 1)
      const taskId = cancels.at(-1)?.params?.taskId
      expect(typeof taskId).toBe('string')
      // The cancelled task is the one this call created and followed.
      expect(methods(log, 'tasks/get').some((m) => m.params?.taskId === taskId)).toBe(true)
      // Cancelled before its result: no tasks/result for it.
      expect(methods(log, 'tasks/result').some((m) => m.params?.taskId === taskId)).toBe(false)
      // The answered tools/call that created the task is never cancelled (issue 12 §5).
      const call = methods(log, 'tools/call').find(
        (m) => (m.params?.arguments as { topic?: string } | undefined)?.topic === 'deep sea vents',
      )
      expect(call?.id).toBeDefined()
      const cancelled = methods(log, 'notifications/cancelled').map((m) => m.params?.requestId)
      expect(cancelled).not.toContain(call?.id)
    }, 30_000)
  })
}

let stdioLog = ''
suite(
  'simulate-research-query over stdio',
  () => {
    stdioLog = path.join(dir, 'stdio-tap.jsonl')
    return tappedStdio(stdioLog, process.execPath, [everythingBin(), 'stdio'])
  },
  () => readTapLog(stdioLog),
)

let http: RunningServer | undefined
let tap: HttpTap | undefined
describe('over Streamable HTTP', () => {
  beforeAll(async () => {
    http = await startEverything('streamableHttp')
    tap = await startHttpTap(`http://127.0.0.1:${http.port}`)
  }, 30_000)
  afterAll(async () => {
    await tap?.stop()
    await http?.stop()
  })
  suite(
    'simulate-research-query',
    () => ({ kind: 'remote', url: tap?.url ?? '', headers: {}, transport: 'http' }),
    () => Promise.resolve(tap?.messages() ?? []),
  )
})
