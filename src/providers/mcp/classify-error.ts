import { SseError } from '@modelcontextprotocol/sdk/client/sse.js'
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { abortReason } from '../../core/abort.js'
import { KamuiError, errorMessage } from '../../core/errors.js'
import { networkCodeOf } from '../../core/network-error.js'
import type { Redactor } from '../../core/redactor.js'

/**
 * Turns whatever an MCP call threw into a {@link KamuiError} with a code the queue can act on
 * (retry transient failures, fail fast on the rest).
 *
 * Protocol facts used here (SDK 1.32.2, verified against the SDK sources): a request timeout and an abort both reject with `McpError` -32001; a closed
 * connection with -32000; HTTP transports throw `StreamableHTTPError` / `SseError` whose `code`
 * is the HTTP status, and the SSE transport's POST failures are plain errors reading
 * `Error POSTing to endpoint (HTTP <status>)`; Node's `fetch` fails with
 * `TypeError: fetch failed` whose `cause` carries `ECONNREFUSED`, `ENOTFOUND`, ….
 */

/** What was being done when the error happened; every field is optional except the server. */
export interface ClassifyContext {
  /** Key of the server in `mcpServers`. */
  server: string
  /** The tool being called, when there was one. */
  tool?: string
  /** The caller's signal: when it has aborted, its reason wins over anything else. */
  signal?: AbortSignal
  /** Removes secrets from text that came from servers (messages, stderr). */
  redactor?: Redactor
  /** The last lines a stdio server wrote to stderr (already redacted or not: redacted again). */
  stderrTail?: string
  /** `Retry-After` of the last HTTP 429 seen on this connection, in ms. */
  retryAfterMs?: number
}

const MAX_SERVER_TEXT = 300

/**
 * Classifies an error thrown while connecting to, listing or calling an MCP server.
 *
 * - the caller's `signal` has aborted → its reason when that is a KamuiError (IMG_003 from
 *   `deadlineSignal`), otherwise RUN_001
 * - a KamuiError → returned unchanged
 * - `McpError` -32001 (request timed out) → IMG_003
 * - `McpError` -32000 (connection closed), `Not connected` → MCP_001, retryable, with the
 *   stdio server's stderr tail when known
 * - HTTP status 429 → IMG_006 with `retryAfterMs`; 401 / 403 (or the SDK's
 *   `UnauthorizedError`) → IMG_007, never retried; 408 / 5xx → IMG_008, retryable; other 4xx
 *   and an unexpected content type → MCP_002
 * - `fetch failed`, `ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, … → IMG_008, retryable
 * - a stdio command that cannot be started (spawn `ENOENT` / `EACCES`) → MCP_001, not
 *   retryable
 * - a JSON-RPC error answer from the server → by its text (see {@link classifyToolErrorText}),
 *   then -32601 → IMG_002 and others → GEN_001 for tool calls, MCP_002 otherwise
 * - a malformed message (schema validation failed) and anything else → MCP_002
 *
 * The original error is kept as `cause`. Messages name the server key and the tool.
 */
export function classifyMcpError(error: unknown, ctx: ClassifyContext): KamuiError {
  if (ctx.signal?.aborted) return abortReason(ctx.signal)
  if (error instanceof KamuiError) return error
  const where = describeWhere(ctx)

  if (error instanceof McpError) return fromMcpError(error, where, ctx)

  if (error instanceof UnauthorizedError) {
    return new KamuiError('IMG_007', `${where} rejected the credentials (HTTP 401). ${AUTH_HINT}`, {
      cause: error,
    })
  }

  const status = httpStatusOf(error)
  if (status !== undefined) return fromHttpStatus(status, error, ctx)

  const spawnCode = spawnFailureCode(error)
  if (spawnCode !== undefined) return spawnFailure(spawnCode, error, ctx)

  const network = networkCodeOf(error)
  if (network !== undefined) {
    return new KamuiError('IMG_008', `${where} could not be reached (${network}).`, {
      cause: error,
      retryable: true,
    })
  }

  if (error instanceof Error && /^not connected$/i.test(error.message)) {
    return connectionLost(where, error, ctx)
  }

  if (isSchemaError(error)) {
    return new KamuiError(
      'MCP_002',
      `${where} sent a message that does not follow the MCP schema.`,
      {
        cause: error,
      },
    )
  }

  return new KamuiError(
    'MCP_002',
    `${where} failed unexpectedly: ${serverText(errorMessage(error), ctx.redactor)}`,
    {
      cause: error,
    },
  )
}

/**
 * A JSON-RPC error (`McpError`): -32001 → IMG_003, -32000 → MCP_001 (retryable), then by its
 * text (see {@link classifyServerText}), then -32601 → IMG_002, other errors of a tool call →
 * GEN_001, and the rest (parse errors, invalid requests, errors outside tool calls) → MCP_002.
 */
function fromMcpError(error: McpError, where: string, ctx: ClassifyContext): KamuiError {
  const text = (value: string): string => serverText(value, ctx.redactor)
  if (error.code === ErrorCode.RequestTimeout) {
    const data = error.data as { timeout?: unknown } | undefined
    const after = typeof data?.timeout === 'number' ? ` within ${formatMs(data.timeout)}` : ''
    return new KamuiError('IMG_003', `${where} did not answer${after} (request timed out).`, {
      cause: error,
    })
  }
  if (error.code === ErrorCode.ConnectionClosed) return connectionLost(where, error, ctx)
  const byText = classifyServerText(error.message, ctx, error)
  if (byText) return byText
  if (error.code === ErrorCode.MethodNotFound) {
    return new KamuiError('IMG_002', `${where} is not available: ${text(error.message)}`, {
      cause: error,
    })
  }
  if (
    ctx.tool !== undefined &&
    error.code !== ErrorCode.ParseError &&
    error.code !== ErrorCode.InvalidRequest
  ) {
    return new KamuiError('GEN_001', `${where} failed: ${text(error.message)}`, { cause: error })
  }
  return new KamuiError(
    'MCP_002',
    `${where} answered with a protocol error: ${text(error.message)}`,
    {
      cause: error,
    },
  )
}

/** A stdio command that could not be started (`spawnCode`: ENOENT, EACCES, …) → MCP_001, not retryable. */
function spawnFailure(spawnCode: string, error: unknown, ctx: ClassifyContext): KamuiError {
  return new KamuiError(
    'MCP_001',
    `${describeServer(ctx)} could not be started (${spawnCode}): check its command in mcp-config ` +
      'and that the program is installed.',
    { cause: error, retryable: false },
  )
}

/**
 * Classifies the text of a tool result that came back with `isError: true` (or of a JSON-RPC
 * error message). Matching is case-insensitive on whole words:
 *
 * - `429`, `rate limit`, `too many requests`, `quota exceeded` → IMG_006, retryable, with
 *   `retryAfterMs` from `retry after N` / `retry-after: N` (seconds unless `ms` follows)
 * - `401` / `403`, `unauthorized`, `forbidden`, `invalid api key`, `authentication` →
 *   IMG_007, never retried
 * - `502` / `503` / `504`, `bad gateway`, `service unavailable`, `ECONNRESET`, `fetch failed`
 *   → IMG_008, retryable
 * - `timeout`, `timed out` → IMG_003
 * - `unknown tool`, `tool … not found` → IMG_002
 * - anything else (including -32602 invalid arguments) → GEN_001
 *
 * The message names the server and the tool and quotes the (redacted, shortened) text.
 */
export function classifyToolErrorText(
  text: string,
  ctx: Pick<ClassifyContext, 'server' | 'tool' | 'redactor'>,
): KamuiError {
  const found = classifyServerText(text, ctx)
  if (found) return found
  const where = describeWhere(ctx)
  if (/\bunknown tool\b|\btool\b[^.\n]{0,80}\bnot found\b|\bno such tool\b/i.test(text)) {
    return new KamuiError('IMG_002', `${where} is not available: ${serverText(text, ctx.redactor)}`)
  }
  const shown = text.trim() === '' ? 'no error text' : serverText(text, ctx.redactor)
  return new KamuiError('GEN_001', `${where} returned an error: ${shown}`)
}

/**
 * A `retry after N` delay named in free text, in ms (`N` seconds unless followed by `ms`).
 */
export function retryAfterFromText(text: string): number | undefined {
  const match =
    /\bretry[- _]?after\b\W{0,3}(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)?\b/i.exec(
      text,
    )
  if (!match) return undefined
  const amount = Number(match[1])
  const unit = (match[2] ?? 's').toLowerCase()
  return Math.round(unit.startsWith('m') ? amount : amount * 1000)
}

const AUTH_HINT =
  'Check the header or env values of this server in mcp-config (e.g. KAMUI-CODE-PASS).'

function classifyServerText(
  text: string,
  ctx: Pick<ClassifyContext, 'server' | 'tool' | 'redactor'>,
  cause?: unknown,
): KamuiError | undefined {
  const where = describeWhere(ctx)
  const shown = serverText(text, ctx.redactor)
  const status = statusInText(text)
  const options = cause === undefined ? {} : { cause }
  if (
    status === 429 ||
    /\brate[- _]?limit(ed|s)?\b|\btoo many requests\b|\bquota exceeded\b/i.test(text)
  ) {
    const retryAfterMs = retryAfterFromText(text)
    return new KamuiError('IMG_006', `${where} is rate limited: ${shown}`, {
      ...options,
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
  if (
    status === 401 ||
    status === 403 ||
    /\bunauthori[sz]ed\b|\bforbidden\b|\binvalid[- _]?api[- _]?key\b|\bauthentication\b|\bnot authenticated\b/i.test(
      text,
    )
  ) {
    return new KamuiError(
      'IMG_007',
      `${where} rejected the credentials: ${shown} ${AUTH_HINT}`,
      options,
    )
  }
  if (
    status === 502 ||
    status === 503 ||
    status === 504 ||
    /\bbad gateway\b|\bservice unavailable\b|\bgateway time-?out\b|\bECONNRESET\b|\bECONNREFUSED\b|\bfetch failed\b|\bsocket hang up\b/i.test(
      text,
    )
  ) {
    return new KamuiError('IMG_008', `${where} had a network or upstream failure: ${shown}`, {
      ...options,
      retryable: true,
    })
  }
  if (/\btime[ds]?[- ]?out\b|\btimed[- ]out\b/i.test(text)) {
    return new KamuiError('IMG_003', `${where} timed out: ${shown}`, options)
  }
  return undefined
}

/** An HTTP status named as such in text (`HTTP 429`, `status code 401`, `403 Forbidden`, …). */
function statusInText(text: string): number | undefined {
  const named = /\b(?:https?|status(?:[ _]code)?|error|code)\b\W{0,3}([1-5]\d\d)\b/i.exec(text)
  if (named) return Number(named[1])
  const phrased =
    /\b([45]\d\d)\b\W{0,3}(?:too many|unauthori[sz]ed|forbidden|bad gateway|service unavailable|gateway time)/i.exec(
      text,
    )
  if (phrased) return Number(phrased[1])
  return undefined
}

function fromHttpStatus(status: number, error: unknown, ctx: ClassifyContext): KamuiError {
  const where = describeWhere(ctx)
  if (status === 429) {
    return new KamuiError('IMG_006', `${where} is rate limited (HTTP 429).`, {
      cause: error,
      retryable: true,
      ...(ctx.retryAfterMs === undefined ? {} : { retryAfterMs: ctx.retryAfterMs }),
    })
  }
  if (status === 401 || status === 403) {
    return new KamuiError(
      'IMG_007',
      `${where} rejected the credentials (HTTP ${status}). ${AUTH_HINT}`,
      {
        cause: error,
        retryable: false,
      },
    )
  }
  if (status === 408 || status >= 500) {
    return new KamuiError('IMG_008', `${where} failed with HTTP ${status}.`, {
      cause: error,
      retryable: true,
    })
  }
  const detail = error instanceof Error ? `: ${serverText(error.message, ctx.redactor)}` : '.'
  const what = status < 0 ? 'answered with an unexpected content type' : `answered HTTP ${status}`
  return new KamuiError('MCP_002', `${where} ${what}${detail}`, { cause: error })
}

function connectionLost(where: string, error: unknown, ctx: ClassifyContext): KamuiError {
  const tail = ctx.stderrTail
    ? lastChars(serverText(ctx.stderrTail, ctx.redactor, Infinity), 1000)
    : ''
  const stderr = tail === '' ? '' : ` Last stderr output of the server: ${tail}`
  return new KamuiError('MCP_001', `the connection to ${where} was lost.${stderr}`, {
    cause: error,
    retryable: true,
  })
}

/** The HTTP status carried by a transport error, if any. */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof StreamableHTTPError || error instanceof SseError) {
    const code = error.code
    if (typeof code === 'number' && (code === -1 || (code >= 100 && code <= 599))) return code
    return undefined
  }
  if (error instanceof Error) {
    const match = /Error POSTing to endpoint \(HTTP (\d{3})\)/.exec(error.message)
    if (match) return Number(match[1])
  }
  return undefined
}

function spawnFailureCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const { code, syscall } = error as { code?: unknown; syscall?: unknown }
  if (typeof syscall === 'string' && syscall.startsWith('spawn') && typeof code === 'string')
    return code
  return undefined
}

function isSchemaError(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'ZodError' ||
      error.name === '$ZodError' ||
      Array.isArray((error as { issues?: unknown }).issues))
  )
}

function describeServer(ctx: Pick<ClassifyContext, 'server'>): string {
  return `MCP server "${ctx.server}"`
}

function describeWhere(ctx: Pick<ClassifyContext, 'server' | 'tool'>): string {
  return ctx.tool === undefined
    ? describeServer(ctx)
    : `tool "${ctx.tool}" on MCP server "${ctx.server}"`
}

/** Server-originated text, redacted, on one line and shortened. */
function serverText(text: string, redactor: Redactor | undefined, max = MAX_SERVER_TEXT): string {
  const clean = (redactor ? redactor.redact(text) : text).replace(/\s+/g, ' ').trim()
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}

function lastChars(text: string, max: number): string {
  return text.length > max ? `…${text.slice(-max)}` : text
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
