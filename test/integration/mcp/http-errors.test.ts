import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { RemoteServerEntry } from '../../../src/providers/mcp/config.js'
import { connectServer } from '../../../src/providers/mcp/connect.js'
import { invokeTool } from '../../../src/runner/job-runner.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'
import { startEverything, type RunningServer } from '../../fixtures/servers/everything.js'

/**
 * How the SDK's HTTP transports surface HTTP errors, checked against a scripted server: the path
 * picks the scenario (`/connect-<status>` fails every request, `/call-<status>` fails only
 * `tools/call`, `/plain` works).
 */

interface Seen {
  method: string
  path: string
  headers: IncomingMessage['headers']
  rpc?: string
}

const seen: Seen[] = []
let server: Server
let base = ''

async function readBody(req: IncomingMessage): Promise<string> {
  let body = ''
  for await (const chunk of req) body += String(chunk)
  return body
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(body === undefined ? undefined : JSON.stringify(body))
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = req.url ?? '/'
  const body = req.method === 'POST' ? await readBody(req) : ''
  const message = body
    ? (JSON.parse(body) as { id?: number; method?: string; params?: { protocolVersion?: string } })
    : {}
  seen.push({
    method: req.method ?? '',
    path,
    headers: req.headers,
    ...(message.method ? { rpc: message.method } : {}),
  })
  const connectFailure = /^\/connect-(\d{3})/.exec(path)
  if (connectFailure) {
    const status = Number(connectFailure[1])
    reply(res, status, { error: 'scripted' }, status === 429 ? { 'retry-after': '7' } : {})
    return
  }
  if (req.method === 'GET') return reply(res, 405, undefined)
  if (req.method === 'DELETE') return reply(res, 200, undefined)
  if (message.id === undefined) return reply(res, 202, undefined)
  const ok = (result: unknown): void =>
    reply(res, 200, { jsonrpc: '2.0', id: message.id, result }, { 'mcp-session-id': 'sess-1' })
  switch (message.method) {
    case 'initialize':
      return ok({
        protocolVersion: message.params?.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'scripted', version: '1.0.0' },
      })
    case 'tools/list':
      return ok({
        tools: [
          { name: 'imagen4_fast', inputSchema: { type: 'object', properties: { prompt: {} } } },
        ],
      })
    case 'tools/call': {
      const callFailure = /^\/call-(\d{3})/.exec(path)
      if (callFailure) {
        const status = Number(callFailure[1])
        return reply(
          res,
          status,
          { error: 'scripted' },
          status === 429 ? { 'retry-after': '5' } : {},
        )
      }
      return ok({
        content: [{ type: 'text', text: '{"images":[{"url":"https://cdn.example/x.png"}]}' }],
      })
    }
    default:
      return reply(res, 200, {
        jsonrpc: '2.0',
        id: message.id,
        error: { code: -32601, message: 'Method not found' },
      })
  }
}

function ctx(): McpProviderContext {
  return { logger: silentLogger, redactor: new Redactor(), env: {} }
}

function remote(path: string, headers: Record<string, string> = {}): RemoteServerEntry {
  return { kind: 'remote', url: `${base}${path}`, headers, transport: 'http' }
}

async function connectError(path: string): Promise<KamuiError> {
  const error = await connectServer('scripted', remote(path), ctx(), undefined, {
    timeoutMs: 5000,
  }).then(
    async (c) => {
      await c.close()
      return undefined
    },
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KamuiError)
  return error as KamuiError
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

describe('connect over HTTP', () => {
  it('sends headers unchanged, and terminates the session on close', async () => {
    seen.length = 0
    const connection = await connectServer(
      'scripted',
      remote('/plain', { 'KAMUI-CODE-PASS': 's3cr3t-value' }),
      ctx(),
    )
    expect(connection.transportKind).toBe('streamable-http')
    await connection.close()
    await connection.close()
    expect(seen[0]?.headers['kamui-code-pass']).toBe('s3cr3t-value')
    expect(seen.every((s) => s.headers['kamui-code-pass'] === 's3cr3t-value')).toBe(true)
    expect(seen.filter((s) => s.method === 'DELETE')).toHaveLength(1)
  })

  it.each([
    ['401', 'IMG_007'],
    ['403', 'IMG_007'],
  ])('maps %s to IMG_007 without SSE fallback', async (status, code) => {
    seen.length = 0
    const error = await connectError(`/connect-${status}`)
    expect(error.code).toBe(code)
    expect(error.retryable).toBe(false)
    expect(seen.map((s) => s.method)).toEqual(['POST'])
  })

  it('maps 429 to IMG_006 with the Retry-After in ms', async () => {
    const error = await connectError('/connect-429')
    expect(error.code).toBe('IMG_006')
    expect(error.retryAfterMs).toBe(7000)
  })

  it('maps 503 to retryable IMG_008', async () => {
    const error = await connectError('/connect-503')
    expect(error).toMatchObject({ code: 'IMG_008', retryable: true })
  })

  it('falls back to SSE on 404 (after probing MCP 2026-07-28) and reports both answers', async () => {
    seen.length = 0
    const error = await connectError('/connect-404')
    // initialize, then server/discover of revision 2026-07-28 (no initialize there), then SSE.
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST', 'GET'])
    expect(seen[0]?.headers['mcp-protocol-version']).toBeUndefined()
    expect(seen[1]?.headers['mcp-protocol-version']).toBe('2026-07-28')
    expect(seen[2]?.headers.accept).toBe('text/event-stream')
    expect(error.code).toBe('MCP_002')
    expect(error.message).toContain('Streamable HTTP had answered HTTP 404')
  })
})

describe('callTool over HTTP', () => {
  it.each([
    ['429', 'IMG_006', 5000],
    ['401', 'IMG_007', undefined],
    ['502', 'IMG_008', undefined],
  ])('maps HTTP %s during tools/call to %s', async (status, code, retryAfterMs) => {
    const pool = new McpPool({ scripted: remote(`/call-${status}`) }, ctx())
    try {
      const error = await invokeTool(
        pool,
        { type: 'sync', tool: 'imagen4_fast' },
        { prompt: 'x' },
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KamuiError)
      expect(error).toMatchObject({ code, retryAfterMs })
      expect((error as KamuiError).message).toContain(
        'tool "imagen4_fast" on MCP server "scripted"',
      )
    } finally {
      await pool.close()
    }
  })

  it('returns media from a plain JSON answer', async () => {
    const pool = new McpPool({ scripted: remote('/plain') }, ctx())
    try {
      const out = await invokeTool(pool, { type: 'sync', tool: 'imagen4_fast' }, { prompt: 'x' })
      expect(out.media).toEqual([{ source: 'json', url: 'https://cdn.example/x.png' }])
    } finally {
      await pool.close()
    }
  })
})

describe('SSE fallback against server-everything', () => {
  let sse: RunningServer | undefined
  beforeAll(async () => {
    sse = await startEverything('sse')
  }, 30_000)
  afterAll(async () => {
    await sse?.stop()
  })

  it('connects over SSE after Streamable HTTP is refused, and calls a tool', async () => {
    const pool = new McpPool(
      {
        legacy: {
          kind: 'remote',
          url: `http://127.0.0.1:${sse?.port ?? 0}/sse`,
          headers: {},
          transport: 'http',
        },
      },
      ctx(),
    )
    try {
      const out = await invokeTool(pool, { type: 'sync', tool: 'get-tiny-image' }, {})
      expect(out.media[0]?.mimeType).toBe('image/png')
      expect(pool.connections()[0]?.transportKind).toBe('sse')
    } finally {
      await pool.close()
    }
  })
})
