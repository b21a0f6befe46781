import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js'
import type { KamuiError } from '../../../src/core/errors.js'
import type { ServerConnection, connectServer } from '../../../src/providers/mcp/connect.js'

/** A tool of an in-memory test server. */
export interface FakeTool {
  name: string
  /** Input-schema properties; omitted → the tool declares none. */
  properties?: Record<string, object>
  handler: (args: Record<string, unknown>) => CallToolResult | Promise<CallToolResult>
}

/** What a fake server key maps to: its tools, or the error its connection fails with. */
export type FakeServerSpec = { tools: FakeTool[]; pageSize?: number } | { fail: KamuiError }

/** Records what the fakes saw. */
export interface FakeRecord {
  connects: string[]
  calls: { server: string; tool: string; args: Record<string, unknown> }[]
  listPages: string[]
  connections: ServerConnection[]
}

/**
 * A `connect` replacement for `McpPool` that links an SDK `Client` to an in-process SDK `Server`
 * per key over `InMemoryTransport` (no processes, no network).
 */
export function fakeConnect(specs: Record<string, FakeServerSpec>): {
  connect: typeof connectServer
  record: FakeRecord
} {
  const record: FakeRecord = { connects: [], calls: [], listPages: [], connections: [] }
  const connect: typeof connectServer = async (key) => {
    record.connects.push(key)
    const spec = specs[key]
    if (!spec) throw new Error(`no fake for ${key}`)
    if ('fail' in spec) throw spec.fail
    const server = new Server({ name: key, version: '1.0.0' }, { capabilities: { tools: {} } })
    const pageSize = spec.pageSize ?? 1000
    server.setRequestHandler(ListToolsRequestSchema, (request) => {
      record.listPages.push(`${key}:${request.params?.cursor ?? 'start'}`)
      const start = Number(request.params?.cursor ?? 0)
      const tools: Tool[] = spec.tools.slice(start, start + pageSize).map((t) => ({
        name: t.name,
        inputSchema: { type: 'object', ...(t.properties ? { properties: t.properties } : {}) },
      }))
      const next = start + pageSize
      return next < spec.tools.length ? { tools, nextCursor: String(next) } : { tools }
    })
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const tool = spec.tools.find((t) => t.name === request.params.name)
      const args = (request.params.arguments ?? {}) as Record<string, unknown>
      record.calls.push({ server: key, tool: request.params.name, args })
      if (!tool)
        return {
          isError: true,
          content: [{ type: 'text', text: `Unknown tool: ${request.params.name}` }],
        }
      return tool.handler(args)
    })
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await server.connect(serverSide)
    const client = new Client({ name: 'test', version: '0' }, { capabilities: {} })
    await client.connect(clientSide)
    let closed = false
    const listeners: (() => void)[] = []
    client.onclose = () => {
      if (closed) return
      closed = true
      for (const l of listeners.splice(0)) l()
    }
    const connection: ServerConnection = {
      key,
      client,
      transportKind: 'stdio',
      pid: undefined,
      get closed() {
        return closed
      },
      stderrTail: () => '',
      lastRetryAfterMs: () => undefined,
      onClose: (l) => (closed ? l() : listeners.push(l)),
      close: async () => {
        await client.close()
        await server.close()
      },
    }
    record.connections.push(connection)
    return connection
  }
  return { connect, record }
}

/** A text result. */
export function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: value }] }
}
