import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'
import pLimit from 'p-limit'
import { abortReason } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import { abortable, childSignal } from './abortable.js'
import { classifyMcpError, classifyToolErrorText } from './classify-error.js'
import type { McpServerEntry } from './config.js'
import {
  connectServer,
  type ConnectOptions,
  type ServerConnection,
  type TransportKind,
} from './connect.js'
import { extractErrorText } from './result-media.js'
import type { CallOptions, McpProviderContext, ToolLocation } from './types.js'

/**
 * The set of configured MCP servers of one run: lazy connections, tool lookup by name across all
 * servers (SPEC §3.1: server keys differ between users, tool names do not), calls with deadlines,
 * reconnection after a crash, and one `close()` for `finally`.
 */

/** Options of {@link McpPool}. */
export interface McpPoolOptions {
  /** Limit for one server's handshake in ms (default 60 000). */
  connectTimeoutMs?: number
  /** Limit for one `tools/list` page in ms (default 30 000). */
  listTimeoutMs?: number
  /** Servers connected at once while searching for a tool (default 4). */
  maxParallelConnects?: number
  /** Per-call limit in ms when {@link PoolCallOptions.timeoutMs} is not given (default 600 000). */
  defaultCallTimeoutMs?: number
  /**
   * A server whose connection failed with a retryable error (IMG_006, IMG_008, MCP_001) is tried
   * again by `findTool` after this many ms (default 15 000); other failures are remembered
   * for the pool's life.
   */
  retryFailedAfterMs?: number
  /** Replaces {@link connectServer} (tests). */
  connect?: typeof connectServer
  /**
   * Keys of servers searched only on request: when a hint of `findTool` names them or its
   * `server` option does (the embedded preview server, registered from the start of a run but
   * started only when a preview model is called). They are not in {@link McpPool.serverKeys}.
   */
  onDemand?: readonly string[]
}

/** Options of {@link McpPool.findTool}. */
export interface FindToolOptions {
  /** Substrings of server keys to search first (a speed heuristic, case-insensitive). */
  hints?: string[]
  /** Look only on this server (e.g. the status tool of an async job on its submit's server). */
  server?: string
  /** Stops waiting (the shared connection attempts go on); the reason is rethrown. */
  signal?: AbortSignal
}

/** Options of {@link McpPool.callTool}. */
export interface PoolCallOptions extends CallOptions {
  /**
   * Per-request limit in ms, passed to the SDK as `timeout` and `maxTotalTimeout` with
   * `resetTimeoutOnProgress: true`; exceeding it gives IMG_003.
   */
  timeoutMs?: number
}

/** An open connection as reported by {@link McpPool.connections}. */
export interface ConnectionInfo {
  server: string
  transportKind: TransportKind
  /** The stdio child's process id. */
  pid: number | undefined
}

interface Failure {
  error: KamuiError
  at: number
}

/** A pool of MCP connections; see the module comment. Callers `await pool.close()` in `finally`. */
export class McpPool {
  private readonly connecting = new Map<string, Promise<ServerConnection>>()
  private readonly open = new Map<string, ServerConnection>()
  private readonly tools = new Map<string, Tool[]>()
  private readonly listing = new Map<string, Promise<Tool[]>>()
  private readonly failures = new Map<string, Failure>()
  private readonly background = new Set<Promise<void>>()
  private readonly lifetime = new AbortController()
  private readonly limit: ReturnType<typeof pLimit>
  private closing: Promise<void> | undefined

  /**
   * @param servers the normalised servers by key (see `parseMcpConfig`)
   * @param ctx logger, redactor and environment of the run
   */
  constructor(
    private readonly servers: Record<string, McpServerEntry>,
    private readonly ctx: McpProviderContext,
    private readonly options: McpPoolOptions = {},
  ) {
    this.limit = pLimit(Math.max(1, options.maxParallelConnects ?? 4))
  }

  /** The configured server keys, in configuration order (on-demand servers left out). */
  get serverKeys(): string[] {
    const onDemand = new Set(this.options.onDemand ?? [])
    return Object.keys(this.servers).filter((key) => !onDemand.has(key))
  }

  /** Connection failures remembered so far, by server key. */
  failedServers(): Record<string, KamuiError> {
    return Object.fromEntries([...this.failures].map(([key, failure]) => [key, failure.error]))
  }

  /** The connections open now. */
  connections(): ConnectionInfo[] {
    return [...this.open.values()].map((c) => ({
      server: c.key,
      transportKind: c.transportKind,
      pid: c.pid,
    }))
  }

  /** `text` with the run's secrets masked (for text that came from servers). */
  redact(text: string): string {
    return this.ctx.redactor.redact(text)
  }

  /**
   * Finds a tool by its name on any configured server.
   *
   * Order: servers whose key contains a hint, then the others, each in configuration order.
   * Tool lists already fetched are checked first; then the hinted servers that were not listed
   * yet are connected and listed (in parallel, at most `maxParallelConnects` at once; every
   * `nextCursor` page is followed), then the rest. The first server in that order that has the
   * tool wins. A server that fails to connect is remembered with its error and skipped.
   *
   * @throws KamuiError IMG_002 when no server has the tool; the message lists the servers
   *   searched and those that failed with their errors, and it is retryable when one of those
   *   failures was. When a server refused authentication the code is IMG_007 instead, and when
   *   no server could be searched at all it is the code of the connection failure (IMG_008,
   *   MCP_001, …); the signal's reason when aborted;
   *   MCP_001 after {@link close}
   */
  async findTool(name: string, options: FindToolOptions = {}): Promise<ToolLocation> {
    this.assertOpen()
    const { signal } = options
    if (signal?.aborted) throw abortReason(signal)
    if (options.server !== undefined && !(options.server in this.servers)) {
      throw new KamuiError('IMG_002', `MCP server "${options.server}" is not configured.`)
    }
    const hints = (options.hints ?? []).map((h) => h.toLowerCase()).filter((h) => h !== '')
    const wanted = (this.options.onDemand ?? []).filter((key) =>
      hints.some((hint) => key.toLowerCase().includes(hint)),
    )
    const keys =
      options.server !== undefined
        ? [options.server]
        : [...this.serverKeys, ...wanted.filter((key) => key in this.servers)]
    const hinted = keys.filter((key) => hints.some((hint) => key.toLowerCase().includes(hint)))
    const others = keys.filter((key) => !hinted.includes(key))

    for (const key of [...hinted, ...others]) {
      const found = this.locate(key, name)
      if (found) return found
    }
    for (const group of [hinted, others]) {
      const pending = group
        .filter((key) => !this.tools.has(key) && !this.isSkipped(key))
        .map((key) => ({ key, tools: this.listTools(key).catch(() => undefined) }))
      for (const { key, tools } of pending) {
        await abortable(tools, signal)
        const found = this.locate(key, name)
        if (found) return found
      }
    }
    throw this.notFound(name, keys)
  }

  /**
   * Calls a tool found by {@link findTool}, reconnecting first when its server's connection has
   * closed (a crashed stdio server is restarted).
   *
   * The SDK gets `{ signal, timeout: timeoutMs, resetTimeoutOnProgress: true,
   * maxTotalTimeout: timeoutMs, onprogress }` as the third argument of `client.callTool`.
   *
   * @param args the arguments, sent as they are (see `filterArguments`)
   * @returns the raw result, never one with `isError: true`
   * @throws KamuiError classified by `classifyMcpError` (IMG_003 timeout, MCP_001 connection
   *   lost, IMG_006 / IMG_007 / IMG_008 from HTTP, …), or by `classifyToolErrorText` when the
   *   result has `isError: true`; the signal's reason when aborted
   */
  async callTool(
    location: ToolLocation,
    args: Record<string, unknown>,
    options: PoolCallOptions = {},
  ): Promise<CallToolResult> {
    const { onProgress } = options
    const timeout = options.timeoutMs ?? this.options.defaultCallTimeoutMs ?? 600_000
    const raw = await this.request(location, options.signal, (client, signal) =>
      client.callTool({ name: location.tool, arguments: args }, undefined, {
        signal,
        timeout,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: timeout,
        ...(onProgress ? { onprogress: onProgress } : {}),
      }),
    )
    return this.toolResult(location, raw)
  }

  /**
   * A tool's raw result (of `tools/call`, or of `tasks/result` for a task) as a
   * `CallToolResult`: the legacy `{ toolResult }` shape converted, an `isError` result thrown.
   *
   * @throws KamuiError classified by `classifyToolErrorText` when the result has `isError: true`
   */
  toolResult(location: ToolLocation, raw: unknown): CallToolResult {
    const result = normaliseResult(raw)
    if (result.isError) {
      throw classifyToolErrorText(extractErrorText(result) ?? '', {
        server: location.server,
        tool: location.tool,
        redactor: this.ctx.redactor,
      })
    }
    return result
  }

  /**
   * Classifies an error that concerns `location` but was not thrown by a request of this pool
   * (the JSON-RPC error a failed task of the 2026-07-28 tasks extension carries), with the
   * pool's redactor, like the errors of {@link request}.
   */
  classifyError(location: { server: string; tool?: string }, error: unknown): KamuiError {
    return classifyMcpError(error, {
      server: location.server,
      ...(location.tool !== undefined ? { tool: location.tool } : {}),
      redactor: this.ctx.redactor,
    })
  }

  /**
   * Sends one request with the SDK client of `location.server` (connecting, or reconnecting
   * after a crash, first): the way to the MCP methods other than `tools/call` and
   * `tools/list` (the task methods of `tasks.ts`). `send` gets the client and a child signal
   * of `signal` that is released when the request settles (the SDK never removes its abort
   * listener, and an answered request must not be cancelled later: issue 12 §5).
   *
   * @param location the server, and the tool the request is about (for error messages)
   * @throws KamuiError classified by `classifyMcpError` (IMG_003 timeout, MCP_001 connection
   *   lost, …; a lost connection is dropped so the next request reconnects); the signal's
   *   reason when aborted; MCP_001 after {@link close}
   */
  async request<T>(
    location: { server: string; tool?: string },
    signal: AbortSignal | undefined,
    send: (client: Client, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    this.assertOpen()
    if (signal?.aborted) throw abortReason(signal)
    const connection = await abortable(this.connection(location.server), signal)
    const child = childSignal(signal)
    try {
      return await send(connection.client, child.signal)
    } catch (error) {
      const stderrTail = connection.stderrTail()
      const retryAfterMs = connection.lastRetryAfterMs()
      const classified = classifyMcpError(error, {
        server: location.server,
        ...(location.tool !== undefined ? { tool: location.tool } : {}),
        redactor: this.ctx.redactor,
        ...(signal ? { signal } : {}),
        ...(stderrTail === '' ? {} : { stderrTail }),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      })
      if (!signal?.aborted && ['MCP_001', 'MCP_002', 'IMG_008'].includes(classified.code)) {
        this.drop(location.server, connection)
      }
      throw classified
    } finally {
      child.release()
    }
  }

  /**
   * Closes every open connection in parallel (and any still being opened), waits for them, and
   * never throws. Idempotent: later calls return the same promise. stdio servers are gone when
   * it resolves (the SDK ends stdin, then SIGTERM after 2 s, SIGKILL after 4 s).
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.lifetime.abort(new KamuiError('RUN_001', 'The MCP connections were closed.'))
      const pending = [...this.connecting.values()]
      this.connecting.clear()
      await Promise.allSettled([
        ...pending.map((p) => p.then((connection) => connection.close())),
        ...[...this.open.values()].map((connection) => connection.close()),
        ...this.background,
      ])
      this.open.clear()
    })().catch(() => undefined)
    return this.closing
  }

  private assertOpen(): void {
    if (this.closing) {
      throw new KamuiError('MCP_001', 'The MCP connections have already been closed.', {
        retryable: false,
      })
    }
  }

  private locate(key: string, name: string): ToolLocation | undefined {
    const tool = this.tools.get(key)?.find((t) => t.name === name)
    if (!tool) return undefined
    const properties = tool.inputSchema.properties
    const taskSupport = tool.execution?.taskSupport
    return {
      server: key,
      tool: name,
      inputProperties: properties && typeof properties === 'object' ? Object.keys(properties) : [],
      // MCP 2025-11-25 tasks: only a tool that declares them is called as a task.
      ...(taskSupport === 'optional' || taskSupport === 'required' ? { taskSupport } : {}),
    }
  }

  private isSkipped(key: string): boolean {
    const failure = this.failures.get(key)
    if (!failure) return false
    if (!failure.error.retryable) return true
    return Date.now() - failure.at < (this.options.retryFailedAfterMs ?? 15_000)
  }

  private notFound(name: string, keys: string[]): KamuiError {
    if (keys.length === 0) {
      return new KamuiError(
        'IMG_002',
        `tool "${name}" cannot be called: no MCP servers are configured (mcp-config).`,
      )
    }
    const searched = keys.filter((key) => this.tools.has(key))
    const failed = keys.filter((key) => !this.tools.has(key) && this.failures.has(key))
    const failures = failed
      .map((key) => this.failures.get(key)?.error)
      .filter((e): e is KamuiError => !!e)
    const parts = [`searched: ${searched.length > 0 ? searched.join(', ') : 'none'}`]
    if (failed.length > 0) {
      parts.push(
        `failed to connect: ${failed.map((key, i) => `${key} (${failures[i]?.message ?? 'unknown error'})`).join(', ')}`,
      )
    }
    const detail = `tool "${name}" was not found on any configured MCP server (${parts.join('; ')}).`
    // The root cause is more useful than "not found" when servers could not be reached: an
    // authentication failure anywhere (never retried, no model fallback), or the failure itself
    // when no server could be searched at all (e.g. IMG_008, retried).
    const auth = failures.find((e) => e.code === 'IMG_007')
    const only = searched.length === 0 ? failures[0] : undefined
    const root = auth ?? only
    if (root) {
      return new KamuiError(
        root.code,
        `${detail}${root.code === 'IMG_007' ? ' Check the credentials (headers such as KAMUI-CODE-PASS, env API keys) of that server.' : ''}`,
        {
          cause: root,
          retryable: root.retryable,
          ...(root.retryAfterMs ? { retryAfterMs: root.retryAfterMs } : {}),
        },
      )
    }
    return new KamuiError('IMG_002', detail, {
      retryable: failures.some((e) => e.retryable),
      ...(failures[0] ? { cause: failures[0] } : {}),
    })
  }

  /** The server's tools, listed once (all pages) and cached; failures are remembered. */
  private listTools(key: string): Promise<Tool[]> {
    const cached = this.tools.get(key)
    if (cached) return Promise.resolve(cached)
    let listing = this.listing.get(key)
    if (listing) return listing
    listing = this.limit(async () => {
      const connection = await this.connection(key)
      const timeout = this.options.listTimeoutMs ?? 30_000
      const all: Tool[] = []
      let cursor: string | undefined
      for (let page = 0; page < 100; page++) {
        // One released child signal per request: the SDK never removes its abort listener,
        // and closing the pool must not cancel an answered `tools/list` (issue 12 §5).
        const request = childSignal(this.lifetime.signal)
        const result = await connection.client
          .listTools(cursor === undefined ? undefined : { cursor }, {
            signal: request.signal,
            timeout,
          })
          .finally(request.release)
        all.push(...result.tools)
        cursor = result.nextCursor
        if (cursor === undefined) break
      }
      this.tools.set(key, all)
      this.failures.delete(key)
      this.ctx.logger.debug(`MCP server "${key}": ${all.length} tools.`)
      return all
    })
      .catch((error: unknown) => {
        const classified = classifyMcpError(error, { server: key, redactor: this.ctx.redactor })
        if (!this.closing) {
          this.failures.set(key, { error: classified, at: Date.now() })
          this.ctx.logger.warn(`MCP server "${key}" is skipped: ${classified.message}`)
        }
        throw classified
      })
      .finally(() => this.listing.delete(key))
    this.listing.set(key, listing)
    return listing
  }

  /** The open connection to `key`, connecting (or reconnecting) when there is none. */
  private connection(key: string): Promise<ServerConnection> {
    this.assertOpen()
    const existing = this.connecting.get(key)
    if (existing) return existing
    const entry = this.servers[key]
    if (!entry)
      return Promise.reject(new KamuiError('IMG_002', `MCP server "${key}" is not configured.`))
    const connect = this.options.connect ?? connectServer
    const connectOptions: ConnectOptions = {}
    if (this.options.connectTimeoutMs !== undefined)
      connectOptions.timeoutMs = this.options.connectTimeoutMs
    const started = Date.now()
    const promise = connect(key, entry, this.ctx, this.lifetime.signal, connectOptions)
    this.connecting.set(key, promise)
    promise.then(
      (connection) => {
        if (this.closing) {
          void connection.close()
          return
        }
        this.open.set(key, connection)
        this.ctx.logger.debug(
          `MCP server "${key}": connected over ${connection.transportKind} in ${Date.now() - started} ms.`,
        )
        connection.onClose(() => {
          if (this.connecting.get(key) === promise) this.connecting.delete(key)
          if (this.open.get(key) === connection) this.open.delete(key)
        })
      },
      () => {
        if (this.connecting.get(key) === promise) this.connecting.delete(key)
      },
    )
    return promise
  }

  /** Forgets a connection that failed mid-call (the next call reconnects) and closes it. */
  private drop(key: string, connection: ServerConnection): void {
    if (this.open.get(key) === connection) {
      this.open.delete(key)
      this.connecting.delete(key)
    }
    const closing = connection.close().finally(() => this.background.delete(closing))
    this.background.add(closing)
  }
}

/** Results in the legacy `{ toolResult }` shape become `{ content: [], structuredContent }`. */
function normaliseResult(raw: unknown): CallToolResult {
  const value = raw as Partial<CallToolResult> & { toolResult?: unknown }
  if (Array.isArray(value.content)) return value as CallToolResult
  const structured = value.toolResult
  return {
    content: [],
    ...(typeof structured === 'object' && structured !== null
      ? { structuredContent: structured as Record<string, unknown> }
      : {}),
  }
}
