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
  AckResultSchema,
  DiscoverResultSchema,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  MODERN_PROTOCOL_VERSION,
  TASKS_EXTENSION,
  isCreateTaskResult,
  type CreateTaskResult,
  type DiscoverResult,
} from './schemas.js'

/** What the suite tells a 2026-07-28 server about itself, in every request's `_meta`. */
export interface ModernClientInfo {
  name: string
  version: string
}

/** The per-request capabilities of a request that can take a task answer. */
const WITH_TASKS = { extensions: { [TASKS_EXTENSION]: {} } }

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
 *   (`io.modelcontextprotocol/tasks`), except those of {@link callTool}.
 * - {@link callToolOrTask} declares the extension and returns either answer of a
 *   `tools/call`: the tool's result, or a task handle (`resultType: "task"`). It does not
 *   follow the task: the job runner journals the task id and follows it with `tasks/get`
 *   (`src/runner/mcp-task-job.ts` over `./tasks.ts`), so a killed run resumes by task id.
 * - {@link callTool} (the SDK's method, used by callers that cannot follow a task: status
 *   tools, scorers) does not declare the extension, so the server answers with the tool's
 *   result, or refuses a task-only tool with -32021.
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

  /**
   * Sends `request` with the 2026-07-28 `_meta` (version, client info, capabilities) added.
   * The capabilities declare the tasks extension unless the request's own `_meta` sets them.
   */
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
          [META_CLIENT_CAPABILITIES]: meta[META_CLIENT_CAPABILITIES] ?? WITH_TASKS,
        },
      },
    }
    return super.request(withMeta, resultSchema, options) as never
  }

  /**
   * Calls a tool with the tasks extension declared: the server may answer with a task handle
   * instead of the result. The SDK's `timeout` and `maxTotalTimeout` bound this one request.
   *
   * @returns the tool's result (not checked for `isError`), or the created task
   * @throws McpError from the server; the signal's reason when aborted
   */
  async callToolOrTask(
    params: CallToolRequest['params'],
    options: RequestOptions = {},
  ): Promise<CallToolResult | CreateTaskResult> {
    const answer = await this.request(
      { method: 'tools/call', params },
      CallToolOrTaskSchema,
      options,
    )
    return isCreateTaskResult(answer) ? answer : CallToolResultSchema.parse(answer)
  }

  /**
   * Calls a tool WITHOUT the tasks extension declared, so the answer is the tool's result (a
   * task-only tool is refused with -32021, `MISSING_REQUIRED_CLIENT_CAPABILITY`). A server that
   * answers with a task anyway gets `tasks/cancel` for it.
   *
   * @throws McpError from the server; `InternalError` for a task answer; the signal's reason
   */
  override async callTool(
    params: CallToolRequest['params'],
    _resultSchema?: unknown,
    options: RequestOptions = {},
  ): Promise<CallToolResult> {
    const withoutTasks = { ...params, _meta: { ...params._meta, [META_CLIENT_CAPABILITIES]: {} } }
    const answer = await this.request(
      { method: 'tools/call', params: withoutTasks },
      CallToolOrTaskSchema,
      options,
    )
    if (!isCreateTaskResult(answer)) return CallToolResultSchema.parse(answer)
    await this.request(
      { method: 'tasks/cancel', params: { taskId: answer.taskId } },
      AckResultSchema,
      { timeout: 5000 },
    ).catch(() => undefined)
    throw new McpError(
      ErrorCode.InternalError,
      `answered with task ${answer.taskId} although the call did not declare the tasks extension; the task was cancelled.`,
    )
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
