import { afterEach, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'
import { fakeConnect, text, type FakeServerSpec, type FakeTool } from './fake-servers.js'

const ctx: McpProviderContext = { logger: silentLogger, redactor: new Redactor(), env: {} }
const entry: McpServerEntry = { kind: 'stdio', command: 'unused', args: [], env: {} }
const pools: McpPool[] = []

function tool(name: string, properties?: Record<string, object>): FakeTool {
  return {
    name,
    ...(properties ? { properties } : {}),
    handler: (args) => text(`${name} ${JSON.stringify(args)}`),
  }
}

function makePool(specs: Record<string, FakeServerSpec>): {
  pool: McpPool
  record: ReturnType<typeof fakeConnect>['record']
} {
  const { connect, record } = fakeConnect(specs)
  const servers = Object.fromEntries(Object.keys(specs).map((key) => [key, entry]))
  const pool = new McpPool(servers, ctx, { connect })
  pools.push(pool)
  return { pool, record }
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

describe('McpPool.findTool', () => {
  it('finds a tool by name on any server, preferring servers whose key matches a hint', async () => {
    const { pool, record } = makePool({
      'other-server': { tools: [tool('echo')] },
      't2i-fal-imagen4-fast': { tools: [tool('imagen4_fast_submit', { prompt: {}, seed: {} })] },
      't2i-kamui-imagen4-fast': { tools: [tool('imagen4_fast_submit', { prompt: {} })] },
    })
    const found = await pool.findTool('imagen4_fast_submit', { hints: ['kamui'] })
    expect(found).toEqual({
      server: 't2i-kamui-imagen4-fast',
      tool: 'imagen4_fast_submit',
      inputProperties: ['prompt'],
    })
    expect(record.connects).toEqual(['t2i-kamui-imagen4-fast'])

    const again = await pool.findTool('imagen4_fast_submit')
    expect(again.server).toBe('t2i-kamui-imagen4-fast')
    const echo = await pool.findTool('echo')
    expect(echo.server).toBe('other-server')
    expect(new Set(record.connects)).toEqual(
      new Set(['t2i-kamui-imagen4-fast', 'other-server', 't2i-fal-imagen4-fast']),
    )
    expect(record.connects).toHaveLength(3)
  })

  it('follows nextCursor pagination', async () => {
    const tools = ['a', 'b', 'c', 'd', 'e'].map((n) => tool(n))
    const { pool, record } = makePool({ paged: { tools, pageSize: 2 } })
    expect((await pool.findTool('e')).server).toBe('paged')
    expect(record.listPages).toEqual(['paged:start', 'paged:2', 'paged:4'])
  })

  it('skips servers that fail to connect and reports an auth failure as IMG_007 when the tool is nowhere', async () => {
    const auth = new KamuiError(
      'IMG_007',
      'MCP server "kamui" rejected the credentials (HTTP 401).',
    )
    const { pool, record } = makePool({
      kamui: { fail: auth },
      local: { tools: [tool('echo')] },
    })
    expect((await pool.findTool('echo')).server).toBe('local')
    const error = await pool.findTool('imagen4_ultra_submit').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KamuiError)
    const k = error as KamuiError
    expect(k.code).toBe('IMG_007')
    expect(k.retryable).toBe(false)
    expect(k.message).toContain('Check the credentials')
    expect(k.message).toContain(
      'tool "imagen4_ultra_submit" was not found on any configured MCP server',
    )
    expect(k.message).toContain('searched: local')
    expect(k.message).toContain(
      'failed to connect: kamui (IMG_007: MCP server "kamui" rejected the credentials',
    )
    expect(k.cause).toBe(auth)
    expect(record.connects.filter((c) => c === 'kamui')).toHaveLength(1)
    expect(pool.failedServers()).toEqual({ kamui: auth })
  })

  it('reports the connection failure (retryable) when no server could be searched', async () => {
    const { pool } = makePool({
      flaky: { fail: new KamuiError('IMG_008', 'down', { retryable: true }) },
    })
    const error = (await pool.findTool('x').catch((e: unknown) => e)) as KamuiError
    expect(error.code).toBe('IMG_008')
    expect(error.retryable).toBe(true)
    expect(error.message).toContain('tool "x" was not found on any configured MCP server')
  })

  it('marks IMG_002 retryable when another server failed transiently', async () => {
    const { pool } = makePool({
      flaky: { fail: new KamuiError('IMG_008', 'down', { retryable: true }) },
      local: { tools: [tool('echo')] },
    })
    const error = (await pool.findTool('x').catch((e: unknown) => e)) as KamuiError
    expect(error.code).toBe('IMG_002')
    expect(error.retryable).toBe(true)
  })

  it('says when no servers are configured, and honours the signal', async () => {
    const { pool } = makePool({})
    await expect(pool.findTool('x')).rejects.toThrow(/no MCP servers are configured/)
    const { pool: other } = makePool({ s: { tools: [tool('x')] } })
    const controller = new AbortController()
    controller.abort()
    await expect(other.findTool('x', { signal: controller.signal })).rejects.toMatchObject({
      code: 'RUN_001',
    })
  })
})

describe('McpPool.callTool', () => {
  it('calls the tool and turns isError results into classified errors', async () => {
    const { pool, record } = makePool({
      s: {
        tools: [
          tool('echo', { message: {} }),
          {
            name: 'limited',
            handler: () => ({
              isError: true,
              content: [{ type: 'text', text: 'HTTP 429: rate limit, retry after 2' }],
            }),
          },
        ],
      },
    })
    const result = await pool.callTool(
      await pool.findTool('echo'),
      { message: 'hi' },
      { timeoutMs: 5000 },
    )
    expect(result.content).toEqual([{ type: 'text', text: 'echo {"message":"hi"}' }])
    expect(record.calls).toEqual([{ server: 's', tool: 'echo', args: { message: 'hi' } }])
    const error = (await pool
      .callTool(await pool.findTool('limited'), {})
      .catch((e: unknown) => e)) as KamuiError
    expect(error.code).toBe('IMG_006')
    expect(error.retryAfterMs).toBe(2000)
  })

  it('maps a request timeout to IMG_003', async () => {
    const { pool } = makePool({
      s: {
        tools: [
          {
            name: 'slow',
            handler: () => new Promise((r) => setTimeout(() => r(text('late')), 500)),
          },
        ],
      },
    })
    const error = (await pool
      .callTool(await pool.findTool('slow'), {}, { timeoutMs: 50 })
      .catch((e: unknown) => e)) as KamuiError
    expect(error.code).toBe('IMG_003')
  })

  it('reconnects after the connection closed', async () => {
    const { pool, record } = makePool({ s: { tools: [tool('echo')] } })
    const location = await pool.findTool('echo')
    await pool.callTool(location, {})
    expect(pool.connections()).toHaveLength(1)
    await record.connections[0]?.client.close()
    expect(pool.connections()).toHaveLength(0)
    await pool.callTool(location, {})
    expect(record.connects).toEqual(['s', 's'])
  })

  it('close() is idempotent, never throws, and ends the pool', async () => {
    const { pool, record } = makePool({ a: { tools: [tool('x')] }, b: { tools: [tool('y')] } })
    await pool.findTool('y')
    expect(pool.connections()).toHaveLength(2)
    await Promise.all([pool.close(), pool.close()])
    await pool.close()
    expect(pool.connections()).toHaveLength(0)
    expect(record.connections.every((c) => c.closed)).toBe(true)
    await expect(pool.findTool('x')).rejects.toMatchObject({ code: 'MCP_001' })
  })
})
