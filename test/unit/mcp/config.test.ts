import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { Redactor } from '../../../src/core/redactor.js'
import {
  mergeServers,
  parseMcpConfig,
  type McpServersConfig,
} from '../../../src/providers/mcp/config.js'

function context(env: Record<string, string | undefined> = {}): {
  redactor: Redactor
  env: typeof env
} {
  return { redactor: new Redactor(), env }
}

function thrown(fn: () => unknown): KamuiError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(KamuiError)
    return error as KamuiError
  }
  throw new Error('expected a throw')
}

/** Every substring of `input` of at least `min` characters that is not plain punctuation/space. */
function leaks(message: string, input: string, min = 6): string[] {
  const found: string[] = []
  for (let i = 0; i + min <= input.length; i++) {
    const piece = input.slice(i, i + min)
    if (/^[\s{}[\]":,]*$/.test(piece)) continue
    if (message.includes(piece)) found.push(piece)
  }
  return found
}

describe('parseMcpConfig', () => {
  it('reads stdio entries with env, cwd, and an optional type', () => {
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          local: {
            command: 'npx',
            args: ['-y', 'pkg'],
            env: { API_KEY: 'key-123456' },
            description: 'x',
          },
          typed: { type: 'stdio', command: 'node', args: ['server.js', 3], cwd: '/tmp' },
        },
      }),
      context(),
    )
    expect(servers.local).toEqual({
      kind: 'stdio',
      command: 'npx',
      args: ['-y', 'pkg'],
      env: { API_KEY: 'key-123456' },
    })
    expect(servers.typed).toEqual({
      kind: 'stdio',
      command: 'node',
      args: ['server.js', '3'],
      env: {},
      cwd: '/tmp',
    })
  })

  it('reads http, sse, bare url and Gemini httpUrl entries', () => {
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          't2i-kamui-imagen4-fast': {
            type: 'http',
            url: 'https://kamui.example/t2i/imagen4-fast/mcp',
            headers: { 'KAMUI-CODE-PASS': 'pass-value-1' },
          },
          legacy: { type: 'sse', url: 'https://old.example/sse' },
          bare: { url: 'http://127.0.0.1:3001/mcp' },
          gemini: {
            httpUrl: 'https://gem.example/mcp',
            headers: { Authorization: 'Bearer abcdef' },
            timeout: 5000,
          },
        },
      }),
      context(),
    )
    expect(servers['t2i-kamui-imagen4-fast']).toEqual({
      kind: 'remote',
      url: 'https://kamui.example/t2i/imagen4-fast/mcp',
      headers: { 'KAMUI-CODE-PASS': 'pass-value-1' },
      transport: 'http',
    })
    expect(servers.legacy).toMatchObject({ kind: 'remote', transport: 'sse', headers: {} })
    expect(servers.bare).toMatchObject({ kind: 'remote', transport: 'http' })
    expect(servers.gemini).toMatchObject({
      kind: 'remote',
      url: 'https://gem.example/mcp',
      transport: 'http',
    })
  })

  it('expands ${VAR} and ${VAR:-default} in command, args, env, url and headers', () => {
    const servers = parseMcpConfig(
      JSON.stringify({
        mcpServers: {
          s: {
            command: '${NODE_BIN:-node}',
            args: ['${SCRIPT}', 'x-${MISSING:-fallback}'],
            env: { TOKEN: '${FAL_KEY}', EMPTY: '${BLANK:-dflt}' },
          },
          r: {
            type: 'http',
            url: 'https://${HOST}/mcp',
            headers: { Authorization: 'Bearer ${TOKEN_VAR}' },
          },
        },
      }),
      context({
        SCRIPT: 'srv.js',
        FAL_KEY: 'fal-secret-1',
        BLANK: '',
        HOST: 'h.example',
        TOKEN_VAR: 'tok-secret-2',
      }),
    )
    expect(servers.s).toEqual({
      kind: 'stdio',
      command: 'node',
      args: ['srv.js', 'x-fallback'],
      env: { TOKEN: 'fal-secret-1', EMPTY: 'dflt' },
    })
    expect(servers.r).toMatchObject({
      url: 'https://h.example/mcp',
      headers: { Authorization: 'Bearer tok-secret-2' },
    })
  })

  it('registers the text, header values and env values (as written and expanded) with the redactor', () => {
    const ctx = context({ TOKEN_VAR: 'expanded-secret' })
    const text = JSON.stringify({
      mcpServers: {
        r: {
          type: 'http',
          url: 'https://x.example/mcp',
          headers: { 'KAMUI-CODE-PASS': 's3cr3t-value', A: '${TOKEN_VAR}' },
        },
        s: { command: 'node', env: { KEY: 'env-secret-value' } },
      },
    })
    parseMcpConfig(text, ctx)
    const redacted = ctx.redactor.redact(
      's3cr3t-value expanded-secret env-secret-value ${TOKEN_VAR}',
    )
    expect(redacted).toBe('*** *** *** ***')
    expect(ctx.redactor.redact(text)).toBe('***')
  })

  it('registers secrets even when validation fails afterwards', () => {
    const ctx = context()
    const text =
      '{"mcpServers": {"r": {"type": "http", "headers": {"KAMUI-CODE-PASS": "s3cr3t-value"}}}}'
    expect(() => parseMcpConfig(text, ctx)).toThrow(/CFG_002/)
    expect(ctx.redactor.redact('s3cr3t-value')).toBe('***')
  })

  it.each([
    [
      'a missing comma',
      '{"mcpServers": {"r": {"type": "http" "headers": {"KAMUI-CODE-PASS": "s3cr3t-value"}}}}',
    ],
    [
      'a trailing comma',
      '{\n  "mcpServers": {\n    "r": {"headers": {"KAMUI-CODE-PASS": "s3cr3t-value"},}\n  }\n}',
    ],
    ['a bare word', '{"mcpServers": {"r": {"headers": {"KAMUI-CODE-PASS": s3cr3t-value}}}}'],
    [
      'an unterminated string',
      '{"mcpServers": {"r": {"headers": {"KAMUI-CODE-PASS": "s3cr3t-value}}}}',
    ],
    ['single quotes', "{'mcpServers': {'r': {'headers': {'KAMUI-CODE-PASS': 's3cr3t-value'}}}}"],
    ['truncated text', '{"mcpServers": {"r": {"headers": {"KAMUI-CODE-PASS": "s3cr3t-value"'],
  ])('reports malformed JSON (%s) by position without echoing the input', (_name, text) => {
    const error = thrown(() => parseMcpConfig(text, context()))
    expect(error.code).toBe('CFG_002')
    expect(error.message).toMatch(/line \d+, column \d+/)
    expect(error.message).not.toContain('s3cr3t')
    expect(error.message).not.toContain('KAMUI')
    expect(leaks(error.message, text)).toEqual([])
    expect(error.cause).toBeUndefined()
  })

  it('names line and column of the error', () => {
    const error = thrown(() =>
      parseMcpConfig('{\n  "mcpServers": {\n    "r": {"command": "x",}\n  }\n}', context()),
    )
    expect(error.message).toContain('line 3, column 26')
  })

  it('reports schema problems by server key and field path, never values', () => {
    const text = JSON.stringify({
      mcpServers: {
        good: { command: 'node' },
        bad: {
          command: 'node',
          args: 's3cr3t-value',
          headers: { 'KAMUI-CODE-PASS': ['s3cr3t-value'] },
        },
      },
    })
    const error = thrown(() => parseMcpConfig(text, context()))
    expect(error.code).toBe('CFG_002')
    expect(error.message).toContain('mcpServers.bad.args')
    expect(error.message).toContain('mcpServers.bad.headers.KAMUI-CODE-PASS')
    expect(error.message).not.toContain('s3cr3t')
  })

  it.each([
    ['no command nor url', { x: { env: {} } }, /mcpServers\.x: needs either command/],
    [
      'a remote type without url',
      { x: { type: 'http' } },
      /mcpServers\.x\.url: a server of type "http" needs a url/,
    ],
    [
      'a non-http url',
      { x: { type: 'http', url: 'ftp://h/secret-path' } },
      /mcpServers\.x\.url: must be an absolute http/,
    ],
    [
      'an unknown type',
      { x: { type: 'ws', url: 'ws://h' } },
      /mcpServers\.x\.type: must be one of/,
    ],
    ['no mcpServers', {}, /mcpServers: expected record/],
  ])('rejects %s', (_name, servers, pattern) => {
    const doc = 'x' in servers ? { mcpServers: servers } : servers
    const error = thrown(() => parseMcpConfig(JSON.stringify(doc), context()))
    expect(error.code).toBe('CFG_002')
    expect(error.message).toMatch(pattern)
    expect(error.message).not.toContain('secret-path')
  })

  it('rejects a variable without default that is not set, naming the variable only', () => {
    const text =
      '{"mcpServers": {"r": {"type": "http", "url": "https://h/mcp", "headers": {"A": "Bearer ${NOPE}"}}}}'
    const error = thrown(() => parseMcpConfig(text, context()))
    expect(error.message).toMatch(/mcpServers\.r\.headers\.A: environment variable NOPE is not set/)
  })

  it('rejects empty text and ignores a BOM', () => {
    expect(thrown(() => parseMcpConfig('  ', context())).code).toBe('CFG_002')
    expect(parseMcpConfig('\uFEFF{"mcpServers": {}}', context())).toEqual({})
  })
})

describe('mergeServers', () => {
  it('lets the second map win on the same key and keeps the inputs', () => {
    const a: McpServersConfig = {
      x: { kind: 'stdio', command: 'a', args: [], env: {} },
      y: { kind: 'stdio', command: 'y', args: [], env: {} },
    }
    const b: McpServersConfig = {
      x: { kind: 'remote', url: 'https://b/mcp', headers: {}, transport: 'http' },
    }
    const merged = mergeServers(a, b)
    expect(Object.keys(merged)).toEqual(['x', 'y'])
    expect(merged.x).toBe(b.x)
    expect(a.x).toMatchObject({ command: 'a' })
  })
})
