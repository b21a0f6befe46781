import { SseError } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { Redactor } from '../../../src/core/redactor.js'
import {
  classifyMcpError,
  classifyToolErrorText,
  retryAfterFromText,
} from '../../../src/providers/mcp/classify-error.js'

const at = { server: 't2i-fal-imagen4-fast', tool: 'imagen4_fast_submit' }

describe('classifyMcpError', () => {
  it('returns the abort reason when the signal has aborted', () => {
    const deadline = new AbortController()
    deadline.abort(new KamuiError('IMG_003', 'x did not finish within 1 s.'))
    const timeoutError = new McpError(ErrorCode.RequestTimeout, 'x')
    expect(classifyMcpError(timeoutError, { ...at, signal: deadline.signal }).code).toBe('IMG_003')
    const user = new AbortController()
    user.abort()
    expect(classifyMcpError(timeoutError, { ...at, signal: user.signal }).code).toBe('RUN_001')
  })

  it('maps SDK timeouts to IMG_003 and closed connections to retryable MCP_001 with stderr', () => {
    const timeout = classifyMcpError(
      new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: 5000 }),
      at,
    )
    expect(timeout.code).toBe('IMG_003')
    expect(timeout.message).toContain('within 5 s')
    expect(timeout.message).toContain('imagen4_fast_submit')
    expect(timeout.message).toContain('t2i-fal-imagen4-fast')

    const redactor = new Redactor()
    redactor.add('sk-live-secret')
    const closed = classifyMcpError(new McpError(ErrorCode.ConnectionClosed, 'Connection closed'), {
      ...at,
      redactor,
      stderrTail: 'boot\nFATAL: bad key sk-live-secret\n',
    })
    expect(closed.code).toBe('MCP_001')
    expect(closed.retryable).toBe(true)
    expect(closed.message).toContain('FATAL: bad key ***')
    expect(closed.message).not.toContain('sk-live-secret')
    expect(classifyMcpError(new Error('Not connected'), at).code).toBe('MCP_001')
  })

  it.each<[string, unknown, string, boolean]>([
    ['429', new StreamableHTTPError(429, 'Error POSTing to endpoint: slow down'), 'IMG_006', true],
    ['401', new StreamableHTTPError(401, 'Error POSTing to endpoint: no'), 'IMG_007', false],
    [
      '403 over SSE',
      new SseError(403, 'Non-200 status code (403)', undefined as never),
      'IMG_007',
      false,
    ],
    ['SSE POST 503', new Error('Error POSTing to endpoint (HTTP 503): busy'), 'IMG_008', true],
    ['502', new StreamableHTTPError(502, 'bad gateway'), 'IMG_008', true],
    ['404', new StreamableHTTPError(404, 'Error POSTing to endpoint: not found'), 'MCP_002', false],
    [
      'content type',
      new StreamableHTTPError(-1, 'Unexpected content type: text/html'),
      'MCP_002',
      false,
    ],
  ])('maps HTTP %s', (_name, error, code, retryable) => {
    const classified = classifyMcpError(error, { ...at, retryAfterMs: 7000 })
    expect(classified.code).toBe(code)
    expect(classified.retryable).toBe(retryable)
    if (code === 'IMG_006') expect(classified.retryAfterMs).toBe(7000)
    expect(classified.cause).toBe(error)
  })

  it('maps fetch failures and socket errors to IMG_008', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
    })
    const classified = classifyMcpError(refused, { server: 'remote' })
    expect(classified.code).toBe('IMG_008')
    expect(classified.retryable).toBe(true)
    expect(classified.message).toContain('ECONNREFUSED')
    expect(
      classifyMcpError(Object.assign(new Error('read'), { code: 'ECONNRESET' }), at).code,
    ).toBe('IMG_008')
    expect(classifyMcpError(new TypeError('fetch failed'), at).message).toContain('fetch failed')
  })

  it('maps a stdio command that cannot start to non-retryable MCP_001', () => {
    const spawnError = Object.assign(new Error('spawn nope ENOENT'), {
      code: 'ENOENT',
      syscall: 'spawn nope',
    })
    const classified = classifyMcpError(spawnError, { server: 'local' })
    expect(classified.code).toBe('MCP_001')
    expect(classified.retryable).toBe(false)
    expect(classified.message).toContain('ENOENT')
  })

  it('classifies JSON-RPC errors from servers by their text, then by code', () => {
    expect(
      classifyMcpError(new McpError(-32603, 'upstream said 429 Too Many Requests'), at).code,
    ).toBe('IMG_006')
    expect(
      classifyMcpError(new McpError(ErrorCode.MethodNotFound, 'Method not found'), at).code,
    ).toBe('IMG_002')
    expect(classifyMcpError(new McpError(ErrorCode.InvalidParams, 'bad seed'), at).code).toBe(
      'GEN_001',
    )
    expect(
      classifyMcpError(new McpError(ErrorCode.InvalidRequest, 'bad'), { server: 's' }).code,
    ).toBe('MCP_002')
  })

  it('passes KamuiErrors through and wraps the unknown as MCP_002', () => {
    const own = new KamuiError('GEN_002', 'x')
    expect(classifyMcpError(own, at)).toBe(own)
    expect(classifyMcpError('weird', at).code).toBe('MCP_002')
    const zodLike = Object.assign(new Error('[]'), { name: 'ZodError', issues: [] })
    expect(classifyMcpError(zodLike, at).message).toContain('does not follow the MCP schema')
  })
})

describe('classifyToolErrorText', () => {
  it.each([
    ['Error: 429 Too Many Requests. Retry after 30 seconds', 'IMG_006', 30_000],
    ['Rate limit exceeded', 'IMG_006', undefined],
    ['rate-limited, retry-after: 1500ms', 'IMG_006', 1500],
    ['HTTP 401', 'IMG_007', undefined],
    ['Forbidden: invalid API key', 'IMG_007', undefined],
    ['Authentication required', 'IMG_007', undefined],
    ['upstream returned 503 Service Unavailable', 'IMG_008', undefined],
    ['The request timed out after 300s', 'IMG_003', undefined],
    ['Generation timeout', 'IMG_003', undefined],
    ['Unknown tool: imagen9', 'IMG_002', undefined],
    ['Tool imagen9 not found', 'IMG_002', undefined],
    ['MCP error -32602: Input validation error: prompt is required', 'GEN_001', undefined],
    ['image of 4290 pixels failed', 'GEN_001', undefined],
    ['the author is unauthorizedly wrong', 'GEN_001', undefined],
  ])('%s → %s', (text, code, retryAfterMs) => {
    const error = classifyToolErrorText(text, at)
    expect(error.code).toBe(code)
    expect(error.retryAfterMs).toBe(retryAfterMs)
    expect(error.message).toContain('"imagen4_fast_submit" on MCP server "t2i-fal-imagen4-fast"')
  })

  it('redacts the text', () => {
    const redactor = new Redactor()
    redactor.add('pass-1234')
    const error = classifyToolErrorText('bad key pass-1234', { ...at, redactor })
    expect(error.message).toContain('bad key ***')
  })

  it('reads retry-after delays', () => {
    expect(retryAfterFromText('please retry after 2.5 s')).toBe(2500)
    expect(retryAfterFromText('Retry-After: 10')).toBe(10_000)
    expect(retryAfterFromText('nothing')).toBeUndefined()
  })
})
