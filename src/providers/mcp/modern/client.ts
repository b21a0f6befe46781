import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { Protocol, type RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type CallToolRequest,
  type CallToolResult,
  type Request,
  type ServerCapabilities,
} from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import {
  DiscoverResultSchema,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  TASKS_EXTENSION,
  isCreateTaskResult,
  type DiscoverResult,
} from './schemas.js'
import { followTask, type FollowTaskOptions } from './follow-task.js'

/** What the suite tells a 2026-07-28 server about itself, in every request's `_meta`. */
export interface ModernClientInfo {
  name: string
  version: string
}

/** Options of {@link ModernMcpClient.callTool}: the SDK's, plus the task hooks. */
export type ModernCallOptions = RequestOptions & Omit<FollowTaskOptions, 'signal' | 'deadline'>

/** `tools/call` answered with either the tool's result or a task handle. */
const CallToolOrTaskSchema = z.union([
  z.object({ resultType: z.literal('task') }).loose(),
  CallToolResultSchema,
])

/**
 * An MCP client for servers of revision 2026-07-28 (issue 12 §3), on the SDK's `Client`:
 * its JSON-RPC engine, transports, progress and timeouts, without the `initialize` handshake
 * that revision removed.
 *
 * - `connect` runs `server/discover` (which every 2026-07-28 server implements) instead of
 *   `initialize`, after setting the `MCP-Protocol-Version` header, and fails when the server
 *   does not list `2026-07-28` among `supportedVersions`.
 * - Every request carries `_meta["io.modelcontextprotocol/protocolVersion"]`, the client's
 *   info and its per-request capabilities, which declare the tasks extension
 *   (`io.modelcontextprotocol/tasks`).
 * - `callTool` accepts either answer of a `tools/call`: the tool's result, or a task handle
 *   (`resultType: "task"`), which it follows with `tasks/get` until the task is terminal
 *   (see `follow-task.ts`: `pollIntervalMs` honoured, `tasks/cancel` on deadline or abort,
 *   `ttlMs` as a backstop). The pool and the job runner above see an ordinary result.
 *
 * It never closes a request's HTTP response stream to "poll later": on this revision closing
 * a stream cancels the request, and a call without a task id has nothing to poll. (The SDK's
 * Streamable HTTP transport keeps each POST's stream until its response; an aborted request
 * sends `notifications/cancelled` instead of hanging up.)
 *
 * Sources: `specification/draft/tasks.md` and `schema/draft/spec.types.ts` of
 * github.com/modelcontextprotocol/ext-tasks; durable-jobs.md §1.2.
 */
export class ModernMcpClient extends Client {
  private discovered: DiscoverResult | undefined

  constructor(private readonly info: ModernClientInfo) {
    super({ ...info }, { capabilities: {} })
  }

  /** The `server/discover` answer, once connected. */
  get discovery(): DiscoverResult | undefined {
    return this.discovered
  }

  /** Whether the server declared the tasks extension in `server/discover`. */
  get serverSupportsTasks(): boolean {
    return this.discovered?.capabilities.extensions?.[TASKS_EXTENSION] !== undefined
  }

  /**
   * Starts the transport and runs `server/discover`.
   *
   * @throws McpError from the server (e.g. -32601 from a server of an older revision), or
   *   `InvalidRequest` when `2026-07-28` is not among its `supportedVersions`; the transport's
   *   errors (an HTTP 4xx from a legacy server) as the SDK raises them
   */
  override async connect(transport: Transport, options?: RequestOptions): Promise<void> {
    const sdkTransport = transport as Transport & { setProtocolVersion?: (v: string) => void }
    sdkTransport.setProtocolVersion?.(MODERN_PROTOCOL_VERSION)
    // Protocol.connect: the JSON-RPC engine on the transport, without Client's `initialize`.
    await Protocol.prototype.connect.call(this, transport)
    const result = await this.request(
      { method: 'server/discover', params: {} },
      DiscoverResultSchema,
      options,
    )
    if (!result.supportedVersions.includes(MODERN_PROTOCOL_VERSION)) {
      throw new McpError(
        ErrorCode.InvalidRequest,
        `The server supports MCP ${result.supportedVersions.join(', ')}, not ${MODERN_PROTOCOL_VERSION}.`,
      )
    }
    this.discovered = result
  }

  override getServerCapabilities(): ServerCapabilities | undefined {
    return this.discovered?.capabilities as ServerCapabilities | undefined
  }

  /** Sends `request` with the 2026-07-28 `_meta` (version, client info, capabilities) added. */
  override request<T extends Parameters<Client['request']>[1]>(
    request: Request,
    resultSchema: T,
    options?: RequestOptions,
  ): ReturnType<Client['request']> & Promise<z.output<T>> {
    const params = request.params ?? {}
    const meta = (params as { _meta?: Record<string, unknown> })._meta ?? {}
    const withMeta = {
      ...request,
      params: {
        ...params,
        _meta: {
          ...meta,
          [META_PROTOCOL_VERSION]: MODERN_PROTOCOL_VERSION,
          [META_CLIENT_INFO]: { ...this.info },
          [META_CLIENT_CAPABILITIES]: { extensions: { [TASKS_EXTENSION]: {} } },
        },
      },
    }
    return super.request(withMeta, resultSchema, options) as never
  }

  /**
   * Calls a tool; when the server answers with a task, follows it to its result. The SDK's
   * `timeout` applies to each request; `maxTotalTimeout` (ms) bounds the whole call, task
   * included, after which the task is cancelled.
   *
   * @returns the tool's result, from the `tools/call` answer or the completed task
   * @throws McpError `RequestTimeout` past `maxTotalTimeout` or the task's `ttlMs`; the
   *   task's JSON-RPC error when it failed; `InternalError` when it was cancelled by the
   *   server or needs input the suite cannot give; the signal's reason when aborted
   */
  override async callTool(
    params: CallToolRequest['params'],
    _resultSchema?: unknown,
    options: ModernCallOptions = {},
  ): Promise<CallToolResult> {
    const started = Date.now()
    const answer = await this.request(
      { method: 'tools/call', params },
      CallToolOrTaskSchema,
      options,
    )
    if (!isCreateTaskResult(answer)) return CallToolResultSchema.parse(answer)
    const { maxTotalTimeout, signal, onTask, onTaskStatus, nextPollMs } = options
    return followTask(this, answer, {
      ...(signal ? { signal } : {}),
      ...(maxTotalTimeout !== undefined ? { deadline: started + maxTotalTimeout } : {}),
      ...(onTask ? { onTask } : {}),
      ...(onTaskStatus ? { onTaskStatus } : {}),
      ...(nextPollMs ? { nextPollMs } : {}),
    })
  }

  protected override assertCapabilityForMethod(method: string): void {
    if (
      (method === 'tools/call' || method === 'tools/list') &&
      !this.discovered?.capabilities.tools
    ) {
      throw new McpError(ErrorCode.InvalidRequest, `The server does not support tools (${method}).`)
    }
  }
}
