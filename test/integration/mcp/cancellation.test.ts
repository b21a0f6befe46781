import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { parseMcpConfig } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'

/**
 * A stdio MCP server on the SDK's McpServer that appends every JSON-RPC message it receives
 * (`in`) and every response it sends (`out`) to the file named by `LOG_FILE`, one JSON line
 * each. Tools: `quick` answers at once, `slow` after 30 s (long enough to be cancelled).
 * Run with `node --input-type=module -e`, so the SDK resolves from the working directory.
 */
const LOGGING_SERVER = `
import { appendFileSync } from 'node:fs'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
const log = (line) => appendFileSync(process.env.LOG_FILE, JSON.stringify(line) + '\\n')
const server = new McpServer({ name: 'logging', version: '1.0.0' })
server.registerTool('quick', { description: 'answers at once' }, async () => ({
  content: [{ type: 'text', text: 'done' }],
}))
server.registerTool('slow', { description: 'answers after 30 s' }, async () => {
  await new Promise((resolve) => setTimeout(resolve, 30000))
  return { content: [{ type: 'text', text: 'late' }] }
})
const transport = new StdioServerTransport()
await server.connect(transport)
const receive = transport.onmessage
transport.onmessage = (message, extra) => {
  log({ dir: 'in', message })
  receive?.(message, extra)
}
const send = transport.send.bind(transport)
transport.send = (message, options) => {
  if ('id' in message && ('result' in message || 'error' in message)) log({ dir: 'out', message })
  return send(message, options)
}
process.stdin.on('end', () => process.exit(0))
`

interface Logged {
  dir: 'in' | 'out'
  message: { id?: number | string; method?: string; params?: { requestId?: number | string } }
}

describe('cancellation of MCP requests', () => {
  it('cancels only the request in flight: never initialize, tools/list or an answered call', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-cancel-'))
    const logFile = path.join(dir, 'messages.jsonl')
    const ctx: McpProviderContext = {
      logger: silentLogger,
      redactor: new Redactor(),
      env: { LOG_FILE: logFile },
    }
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          logging: {
            command: process.execPath,
            args: ['--input-type=module', '-e', LOGGING_SERVER],
            env: { LOG_FILE: '${LOG_FILE}' },
            cwd: process.cwd(),
          },
        },
      }),
      ctx,
    )
    const pool = new McpPool(servers, ctx)
    try {
      const quick = await pool.findTool('quick')
      const lifetime = new AbortController() // a long-lived signal, like a stage's
      for (let i = 0; i < 3; i++) await pool.callTool(quick, {}, { signal: lifetime.signal })
      // One call really in flight, cancelled by its own signal: that one must be cancelled.
      const slow = await pool.findTool('slow')
      const inFlight = new AbortController()
      const call = pool.callTool(slow, {}, { signal: inFlight.signal })
      setTimeout(() => inFlight.abort(new KamuiError('RUN_001', 'stopped by the test')), 300)
      await expect(call).rejects.toThrow('stopped by the test')
      lifetime.abort(new KamuiError('RUN_001', 'the stage ended'))
    } finally {
      await pool.close()
    }
    const lines = (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Logged)
    await rm(dir, { recursive: true, force: true })

    const received = lines.filter((l) => l.dir === 'in').map((l) => l.message)
    const requests = new Map(
      received.filter((m) => m.id !== undefined).map((m) => [m.id, m.method] as const),
    )
    const cancelled = received
      .filter((m) => m.method === 'notifications/cancelled')
      .map((m) => m.params?.requestId)
    // Each request answered before its cancellation arrived is a violation.
    const answeredBefore = (id: number | string | undefined): boolean => {
      const answer = lines.findIndex((l) => l.dir === 'out' && l.message.id === id)
      const cancel = lines.findIndex(
        (l) => l.message.method === 'notifications/cancelled' && l.message.params?.requestId === id,
      )
      return answer !== -1 && answer < cancel
    }

    expect([...requests.values()]).toEqual(
      expect.arrayContaining(['initialize', 'tools/list', 'tools/call']),
    )
    expect(requests.get(0)).toBe('initialize')
    expect(cancelled.map((id) => requests.get(id as number))).toEqual(['tools/call'])
    expect(cancelled.filter(answeredBefore)).toEqual([])
    const slowCall = received.find(
      (m) =>
        m.method === 'tools/call' && (m as { params?: { name?: string } }).params?.name === 'slow',
    )
    expect(cancelled).toEqual([slowCall?.id])
  }, 30_000)
})
