import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { cappedResponseFetch } from '../../../src/core/http.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { connectServer } from '../../../src/providers/mcp/connect.js'

describe('MCP over HTTP', () => {
  it('cuts off a POST answer that grows past the limit, and leaves GET streams alone', async () => {
    const base = (async () => new Response('x'.repeat(5000))) as typeof fetch
    const capped = cappedResponseFetch(base, 1000)
    const post = await capped('http://h/mcp', { method: 'POST' })
    const error = await post.text().catch((e: unknown) => e)
    expect(isKamuiError(error, 'GEN_002')).toBe(true)
    expect(String(error)).toMatch(/the MCP server answer is more than the limit of 1000 bytes/)
    expect(await (await capped('http://h/mcp', { method: 'GET' })).text()).toHaveLength(5000)
    expect(
      await (await cappedResponseFetch(base, 10_000)('http://h', { method: 'POST' })).text(),
    ).toHaveLength(5000)
  })

  it('warns, naming the headers only, before sending credentials over plain http:// to another host', async () => {
    const logger = new MemoryLogger()
    const token = 'bearer-secret-value-01'
    const refused = (async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })
    }) as typeof fetch
    const ctx = { logger, redactor: new Redactor(), env: {} }
    const entry = {
      kind: 'remote' as const,
      url: 'http://mcp.example.invalid/mcp',
      headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' },
      transport: 'http' as const,
    }
    await connectServer('remote', entry, ctx, undefined, { fetch: refused, timeoutMs: 2000 }).catch(
      () => undefined,
    )
    const warnings = logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)
    expect(warnings).toEqual([
      expect.stringMatching(
        /plain http:\/\/ at mcp\.example\.invalid.*\(Authorization\).*https:\/\//,
      ),
    ])
    expect(warnings.join(' ')).not.toContain(token)

    const local = new MemoryLogger()
    await connectServer(
      'local',
      { ...entry, url: 'http://127.0.0.1:9/mcp' },
      { ...ctx, logger: local },
      undefined,
      {
        fetch: refused,
        timeoutMs: 2000,
      },
    ).catch(() => undefined)
    expect(local.lines.filter((l) => l.level === 'warn')).toEqual([])
  })
})
