import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js'
import {
  DEFAULT_INHERITED_ENV_VARS,
  StdioClientTransport,
  getDefaultEnvironment,
} from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js'
import { KamuiError, errorMessage } from '../../core/errors.js'
import { classifyMcpError, httpStatusOf } from './classify-error.js'
import { MAX_MCP_RESPONSE_BYTES, cappedResponseFetch } from '../../core/http.js'
import { credentialsInHeader } from '../../core/secrets.js'
import type { McpServerEntry, RemoteServerEntry, StdioServerEntry } from './config.js'
import { createRecordingFetch, type RecordingFetch } from '../../core/retry-after.js'
import type { McpProviderContext } from './types.js'
import { childSignal } from './abortable.js'
import { ModernMcpClient } from './modern/client.js'
import { MODERN_PROTOCOL_VERSION, UNSUPPORTED_PROTOCOL_VERSION } from './modern/schemas.js'

/**
 * Opening one MCP connection (SPEC §3.1): stdio child processes, and remote servers over
 * Streamable HTTP with the SSE fallback documented for SDK 1.x
 * (the SDK README, "Backwards compatibility": try Streamable HTTP, then SSE).
 */

/** How this client introduces itself in `initialize`. */
export const CLIENT_INFO = { name: 'kamui-media-actions', version: '0.1.0' } as const

/** Default limit for the whole handshake (spawn or HTTP, then `initialize`), in ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000

/** How much of a stdio server's stderr is kept for error messages, in characters. */
export const STDERR_TAIL_CHARS = 4096

/** Which transport a connection ended up on. */
export type TransportKind = 'stdio' | 'streamable-http' | 'sse'

/** An open connection to one MCP server. */
export interface ServerConnection {
  /** Key of the server in `mcpServers`. */
  readonly key: string
  /** The SDK client, initialised. */
  readonly client: Client
  readonly transportKind: TransportKind
  /** Process id of a stdio server while it runs; `undefined` for remote servers. */
  readonly pid: number | undefined
  /** Whether the connection has closed (process exit, transport close, or {@link close}). */
  readonly closed: boolean
  /** The last ~4 KB a stdio server wrote to stderr, redacted; `''` for remote servers. */
  stderrTail(): string
  /** `Retry-After` of the last HTTP 429 on this connection, in ms. */
  lastRetryAfterMs(): number | undefined
  /** Calls `listener` once when the connection closes, for whatever reason. */
  onClose(listener: () => void): void
  /**
   * Closes the connection; never throws, idempotent. Streamable HTTP: `terminateSession()`
   * (DELETE, bounded to 3 s, errors ignored) then `client.close()`. stdio: `client.close()`,
   * which ends stdin, waits 2 s, then SIGTERM, 2 s, SIGKILL (SDK behaviour).
   */
  close(): Promise<void>
}

/** Options of {@link connectServer}. */
export interface ConnectOptions {
  /** Limit for the whole handshake in ms (default {@link DEFAULT_CONNECT_TIMEOUT_MS}). */
  timeoutMs?: number
  /** `fetch` used by the HTTP transports (default: the global `fetch`); for tests. */
  fetch?: typeof fetch
}

/**
 * Connects to one configured server and runs the MCP `initialize` handshake.
 *
 * stdio: the child gets the SDK's safe default environment (`HOME`, `LOGNAME`, `PATH`, `SHELL`,
 * `TERM`, `USER`, taken from `ctx.env` where it has them), plus the entry's `env`; its stderr is
 * piped and the last ~4 KB kept (redacted) for error messages.
 *
 * remote, `transport: 'http'`: Streamable HTTP with `initialize` (revision 2025-11-25) first;
 * when that answers a 4xx other than 401, 403, 408 and 429, or a JSON-RPC "method not found" /
 * "unsupported protocol version", `server/discover` of revision 2026-07-28 is tried (a server of
 * that revision has no `initialize`; see `modern/client.ts`), and after a 4xx then SSE
 * (typically 404 / 405 from an SSE-only server). `transport: 'sse'`: SSE only. Headers are sent
 * unchanged on every request.
 *
 * @param key the server's key in `mcpServers` (used in messages)
 * @param signal aborts the handshake; its reason is rethrown (see {@link classifyMcpError})
 * @throws KamuiError IMG_007 on HTTP 401 / 403 (no fallback, never retried); IMG_006 on HTTP
 *   429 (with `retryAfterMs`); IMG_008 when the server cannot be reached or answers 5xx;
 *   MCP_001 when a stdio command cannot be started (not retryable), when the process exits
 *   during the handshake (with its stderr tail) or when the handshake exceeds `timeoutMs`
 *   (retryable); MCP_002 for other protocol failures; the signal's reason when aborted
 */
export async function connectServer(
  key: string,
  entry: McpServerEntry,
  ctx: McpProviderContext,
  signal?: AbortSignal,
  options: ConnectOptions = {},
): Promise<ServerConnection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
  if (entry.kind === 'stdio') return connectStdio(key, entry, ctx, signal, timeoutMs)
  warnPlainHttpSecrets(key, entry, ctx)
  const recorder = createRecordingFetch(
    cappedResponseFetch(options.fetch ?? fetch, MAX_MCP_RESPONSE_BYTES),
  )
  if (entry.transport === 'sse') return connectSse(key, entry, ctx, recorder, signal, timeoutMs)
  try {
    return await connectStreamable(key, entry, ctx, recorder, signal, timeoutMs)
  } catch (error) {
    if (signal?.aborted || !mayBeModern(error)) throw error
    const modern = await connectModern(key, entry, ctx, recorder, signal, timeoutMs).catch(
      () => undefined,
    )
    if (modern) return modern
    const status = error instanceof KamuiError ? httpStatusOf(error.cause) : undefined
    if (status === undefined || !isFallbackStatus(status)) throw error
    ctx.logger.debug(`MCP server "${key}": Streamable HTTP answered HTTP ${status}, trying SSE.`)
    try {
      return await connectSse(key, entry, ctx, recorder, signal, timeoutMs)
    } catch (sseError) {
      if (!(sseError instanceof KamuiError) || signal?.aborted) throw sseError
      throw new KamuiError(
        sseError.code,
        `${sseError.detail} (Streamable HTTP had answered HTTP ${status} before the SSE attempt)`,
        {
          cause: sseError.cause,
          retryable: sseError.retryable,
          retryAfterMs: sseError.retryAfterMs,
        },
      )
    }
  }
}

/**
 * Warns (names only, never values) when credential headers are about to be sent over plain
 * `http://` to a host other than the local machine, where anyone on the path can read them.
 */
function warnPlainHttpSecrets(
  key: string,
  entry: RemoteServerEntry,
  ctx: McpProviderContext,
): void {
  const url = new URL(entry.url)
  if (url.protocol !== 'http:') return
  const names = Object.entries(entry.headers)
    .filter(([name, value]) => credentialsInHeader(name, value).length > 0)
    .map(([name]) => name)
  if (names.length === 0 && url.password === '') return
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (host === 'localhost' || /^127\./.test(host) || host === '::1') return
  ctx.logger.warn(
    `MCP server "${key}" is reached over plain http:// at ${url.host}, so its credentials ` +
      `(${[...names, ...(url.password === '' ? [] : ['the URL password'])].join(', ')}) travel ` +
      'unencrypted: use an https:// URL.',
  )
}

/**
 * Whether a failed `initialize` may come from a server of revision 2026-07-28, which has no
 * `initialize`: an HTTP 4xx (other than 401, 403, 408, 429), or a JSON-RPC "method not found"
 * or "unsupported protocol version" (-32022) answer.
 */
function mayBeModern(error: unknown): boolean {
  if (!(error instanceof KamuiError)) return false
  const status = httpStatusOf(error.cause)
  if (status !== undefined) return isFallbackStatus(status)
  const code = error.cause instanceof McpError ? error.cause.code : undefined
  return code === ErrorCode.MethodNotFound || code === UNSUPPORTED_PROTOCOL_VERSION
}

function isFallbackStatus(status: number): boolean {
  return status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status)
}

function newClient(): Client {
  return new Client({ ...CLIENT_INFO }, { capabilities: {} })
}

async function connectStdio(
  key: string,
  entry: StdioServerEntry,
  ctx: McpProviderContext,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<ServerConnection> {
  const transport = new StdioClientTransport({
    command: entry.command,
    args: entry.args,
    env: { ...baseEnvironment(ctx.env), ...entry.env },
    stderr: 'pipe',
    ...(entry.cwd === undefined ? {} : { cwd: entry.cwd }),
  })
  let tail = ''
  transport.stderr?.on('data', (chunk: Buffer | string) => {
    tail = (tail + chunk.toString()).slice(-STDERR_TAIL_CHARS)
  })
  const stderrTail = (): string => ctx.redactor.redact(tail)
  // The SDK closes a failed handshake's transport in the background (stdin end, 2 s, SIGTERM);
  // remember the pid so a failure can make sure the child is gone before it is reported.
  let pid: number | undefined
  const start = transport.start.bind(transport)
  transport.start = async () => {
    await start()
    pid = transport.pid ?? undefined
  }
  const client = newClient()
  await handshake(key, client, transport, ctx, signal, timeoutMs, {
    stderrTail,
    afterFailure: () => (pid === undefined ? Promise.resolve() : ensureExited(pid)),
  })
  return wrap(key, client, 'stdio', ctx, {
    stderrTail,
    pid: () => transport.pid ?? undefined,
  })
}

/** A Streamable HTTP transport to `entry`, its headers sent unchanged, through `recorder`. */
function streamableTransport(
  entry: RemoteServerEntry,
  recorder: RecordingFetch,
): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(entry.url), {
    requestInit: { headers: { ...entry.headers } },
    fetch: recorder.fetch,
  })
}

async function connectStreamable(
  key: string,
  entry: RemoteServerEntry,
  ctx: McpProviderContext,
  recorder: RecordingFetch,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<ServerConnection> {
  const transport = streamableTransport(entry, recorder)
  const client = newClient()
  await handshake(key, client, transport, ctx, signal, timeoutMs, { recorder })
  return wrap(key, client, 'streamable-http', ctx, {
    recorder,
    beforeClose: async () => {
      await withTimer(transport.terminateSession(), 3000).catch(() => undefined)
    },
  })
}

/**
 * Connects to a server of MCP revision 2026-07-28 over Streamable HTTP: `server/discover`
 * instead of `initialize`, no session (see `modern/client.ts`). Tried after `initialize` failed
 * the way such a server answers it (see {@link mayBeModern}).
 */
async function connectModern(
  key: string,
  entry: RemoteServerEntry,
  ctx: McpProviderContext,
  recorder: RecordingFetch,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<ServerConnection> {
  const transport = streamableTransport(entry, recorder)
  const client = new ModernMcpClient({ ...CLIENT_INFO })
  await handshake(key, client, transport, ctx, signal, timeoutMs, { recorder })
  ctx.logger.debug(`MCP server "${key}" speaks MCP ${MODERN_PROTOCOL_VERSION} (server/discover).`)
  return wrap(key, client, 'streamable-http', ctx, { recorder })
}

async function connectSse(
  key: string,
  entry: RemoteServerEntry,
  ctx: McpProviderContext,
  recorder: RecordingFetch,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): Promise<ServerConnection> {
  const transport = new SSEClientTransport(new URL(entry.url), {
    requestInit: { headers: { ...entry.headers } },
    fetch: recorder.fetch,
  })
  const client = newClient()
  await handshake(key, client, transport, ctx, signal, timeoutMs, { recorder })
  return wrap(key, client, 'sse', ctx, { recorder })
}

/**
 * `client.connect` bounded by `signal` and `timeoutMs` (the SSE transport's `start()` has no
 * timeout of its own). On failure the client and transport are closed before the classified
 * error is thrown.
 */
async function handshake(
  key: string,
  client: Client,
  transport: Transport,
  ctx: McpProviderContext,
  signal: AbortSignal | undefined,
  timeoutMs: number,
  extra: {
    stderrTail?: () => string
    recorder?: RecordingFetch
    afterFailure?: () => Promise<void>
  },
): Promise<void> {
  client.onerror = (error) =>
    ctx.logger.debug(ctx.redactor.redact(`MCP server "${key}": ${errorMessage(error)}`))
  const limit = new AbortController()
  const timer = setTimeout(() => limit.abort(), timeoutMs)
  const stop = signal ? AbortSignal.any([signal, limit.signal]) : limit.signal
  // The SDK never removes the abort listener it adds for `initialize`: it gets a child of `stop`
  // that is unlinked once the handshake settles, so a later abort of the (long-lived) pool
  // signal does not send `notifications/cancelled` for the answered `initialize` (issue 12 §5).
  const request = childSignal(stop)
  let onStop: (() => void) | undefined
  try {
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => reject(stop.reason)
      if (stop.aborted) onStop()
      else stop.addEventListener('abort', onStop, { once: true })
    })
    stopped.catch(() => undefined)
    await Promise.race([
      client.connect(transport, { signal: request.signal, timeout: timeoutMs }),
      stopped,
    ])
  } catch (error) {
    await Promise.allSettled([client.close(), transport.close()])
    await extra.afterFailure?.().catch(() => undefined)
    if (!signal?.aborted && limit.signal.aborted) {
      const seconds = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000}` : (timeoutMs / 1000).toFixed(1)
      throw new KamuiError(
        'MCP_001',
        `MCP server "${key}" did not complete the MCP handshake within ${seconds} s.`,
        {
          cause: error,
          retryable: true,
        },
      )
    }
    const stderrTail = extra.stderrTail?.()
    const retryAfterMs = extra.recorder?.lastRetryAfterMs()
    throw classifyMcpError(error, {
      server: key,
      redactor: ctx.redactor,
      ...(signal ? { signal } : {}),
      ...(stderrTail === undefined ? {} : { stderrTail }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  } finally {
    clearTimeout(timer)
    request.release()
    if (onStop) stop.removeEventListener('abort', onStop)
  }
}

function wrap(
  key: string,
  client: Client,
  transportKind: TransportKind,
  ctx: McpProviderContext,
  extra: {
    stderrTail?: () => string
    pid?: () => number | undefined
    recorder?: RecordingFetch
    beforeClose?: () => Promise<void>
  },
): ServerConnection {
  let closed = false
  let closing: Promise<void> | undefined
  const listeners: (() => void)[] = []
  client.onclose = () => {
    if (closed) return
    closed = true
    ctx.logger.debug(`MCP server "${key}" connection closed.`)
    for (const listener of listeners.splice(0)) {
      try {
        listener()
      } catch {
        // listeners must not break the close path
      }
    }
  }
  return {
    key,
    client,
    transportKind,
    get pid() {
      return extra.pid?.()
    },
    get closed() {
      return closed
    },
    stderrTail: () => extra.stderrTail?.() ?? '',
    lastRetryAfterMs: () => extra.recorder?.lastRetryAfterMs(),
    onClose: (listener) => {
      if (closed) listener()
      else listeners.push(listener)
    },
    close: () => {
      closing ??= (async () => {
        if (extra.beforeClose) await extra.beforeClose().catch(() => undefined)
        await client.close().catch(() => undefined)
        client.onclose?.()
      })()
      return closing
    },
  }
}

/** The SDK's default inherited variables, taken from `env` where it has them. */
function baseEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = getDefaultEnvironment()
  for (const name of DEFAULT_INHERITED_ENV_VARS) {
    const value = env[name]
    if (value !== undefined && !value.startsWith('()')) out[name] = value
  }
  return out
}

/**
 * Waits until process `pid` has exited: SIGTERM at once, SIGKILL after 2 s, giving up after
 * 4 s. Used only for a child whose handshake failed.
 */
async function ensureExited(pid: number): Promise<void> {
  const alive = (): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  const send = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name)
    } catch {
      // already gone
    }
  }
  if (!alive()) return
  send('SIGTERM')
  for (let waited = 0; waited < 4000 && alive(); waited += 50) {
    if (waited === 2000) send('SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function withTimer<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
