import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { KamuiError } from '../../../core/errors.js'
import type { McpPool } from '../pool.js'
import type { McpTaskState, TaskRequestOptions } from '../tasks.js'
import type { CallOptions, ToolLocation } from '../types.js'
import { ModernMcpClient } from './client.js'
import {
  AckResultSchema,
  DetailedTaskSchema,
  MODERN_PROTOCOL_VERSION,
  isCreateTaskResult,
  type DetailedTask,
  type Task,
} from './schemas.js'

/**
 * The requests of the 2026-07-28 tasks extension (`io.modelcontextprotocol/tasks`) that the
 * job runner needs, through {@link McpPool.request} (one connection per server, errors
 * classified, one released child signal per request): `tools/call` answered with a result or
 * a task ({@link callToolOrTask}), `tasks/get` ({@link getExtensionTask}, the result or error
 * inlined once terminal), `tasks/cancel` ({@link cancelExtensionTask}), and the tool's result
 * of a terminal task ({@link extensionTaskResult}). The polling itself is the runner's one
 * follower (`src/runner/mcp-task-job.ts`), which journals the task id first.
 *
 * Sources: `specification/draft/tasks.md` of github.com/modelcontextprotocol/ext-tasks;
 * `shared/reference/durable-jobs.md` §1.2.
 */

/** The protocol revision of these tasks, as journalled in a handle's `task` field. */
export const MCP_TASKS_2026 = MODERN_PROTOCOL_VERSION

/** A `tasks/get` answer: the state, plus the tool's result or the task's error once terminal. */
export interface ExtensionTaskState extends McpTaskState {
  /** The tool's result of a `completed` task, as the server inlined it. */
  result?: Record<string, unknown>
  /** The JSON-RPC error of a `failed` task. */
  error?: { code: number; message: string; data?: unknown }
}

/** What a `tools/call` answered: the tool's result, or a created task of the extension. */
export type ToolAnswer = { result: CallToolResult } | { task: McpTaskState }

/**
 * Calls a tool; on a server of revision 2026-07-28 that declares the tasks extension, the call
 * declares it too, and the server may answer with a task (returned, not followed). Other
 * servers get the plain `tools/call` of {@link McpPool.callTool}.
 *
 * @param options `timeoutMs` bounds the call (a task answer comes at once); progress
 *   notifications of the call go to `onProgress`
 * @returns `{ result }` (never one with `isError: true`) or `{ task }`
 * @throws KamuiError the classified MCP errors, an `isError` result among them; the signal's
 *   reason when aborted
 */
export async function callToolOrTask(
  pool: McpPool,
  location: ToolLocation,
  args: Record<string, unknown>,
  options: CallOptions & { timeoutMs: number },
): Promise<ToolAnswer> {
  const { onProgress, timeoutMs } = options
  const answer: unknown = await pool.request(location, options.signal, (client, signal) => {
    const request = {
      signal,
      timeout: timeoutMs,
      resetTimeoutOnProgress: true,
      maxTotalTimeout: timeoutMs,
      ...(onProgress ? { onprogress: onProgress } : {}),
    }
    const params = { name: location.tool, arguments: args }
    return client instanceof ModernMcpClient && client.serverSupportsTasks
      ? client.callToolOrTask(params, request)
      : (client.callTool(params, undefined, request) as Promise<unknown>)
  })
  if (isCreateTaskResult(answer)) return { task: extensionTaskState(answer) }
  return { result: pool.toolResult(location, answer) }
}

/**
 * `tasks/get` of the extension: the task's state, with its result or error once terminal.
 *
 * @throws KamuiError the classified MCP errors (-32602 for a task the server does not know);
 *   MCP_002 when the server no longer speaks revision 2026-07-28
 */
export async function getExtensionTask(
  pool: McpPool,
  location: ToolLocation,
  taskId: string,
  options: TaskRequestOptions,
): Promise<ExtensionTaskState> {
  const task: DetailedTask = await pool.request(location, options.signal, (client, signal) =>
    modern(client, location).request(
      { method: 'tasks/get', params: { taskId } },
      DetailedTaskSchema,
      { signal, timeout: options.timeoutMs },
    ),
  )
  return {
    ...extensionTaskState(task),
    ...(task.result !== undefined ? { result: task.result } : {}),
    ...(task.error !== undefined ? { error: task.error } : {}),
  }
}

/**
 * `tasks/cancel` of the extension: asks the server to stop the task (cooperative; the answer
 * is an empty acknowledgement).
 *
 * @throws KamuiError the classified MCP errors
 */
export async function cancelExtensionTask(
  pool: McpPool,
  location: ToolLocation,
  taskId: string,
  options: TaskRequestOptions,
): Promise<void> {
  await pool.request(location, options.signal, (client, signal) =>
    modern(client, location).request(
      { method: 'tasks/cancel', params: { taskId } },
      AckResultSchema,
      { signal, timeout: options.timeoutMs },
    ),
  )
}

/**
 * The tool's result of a terminal task of the extension.
 *
 * @param state the last `tasks/get` answer (`completed`, `failed` or `cancelled`)
 * @returns the result the server inlined, never one with `isError: true`
 * @throws KamuiError for an `isError` result (see {@link McpPool.toolResult}); the task's
 *   JSON-RPC error classified like an error of `tools/call` when it failed (GEN_001 without
 *   one); GEN_001 when it was cancelled on the server or is not terminal
 */
export function extensionTaskResult(
  pool: McpPool,
  location: ToolLocation,
  state: ExtensionTaskState,
): CallToolResult {
  if (state.status === 'completed') return pool.toolResult(location, state.result ?? {})
  const where = `${location.tool} task ${state.taskId} on MCP server "${location.server}"`
  const why = state.statusMessage ? `: ${pool.redact(state.statusMessage)}` : '.'
  if (state.status === 'failed' && state.error) {
    const { code, message, data } = state.error
    throw pool.classifyError(location, new McpError(code, message, data))
  }
  const outcome =
    state.status === 'failed'
      ? 'failed'
      : state.status === 'cancelled'
        ? 'was cancelled on the server'
        : `is ${state.status}, not finished`
  throw new KamuiError('GEN_001', `${where} ${outcome}${why}`)
}

/** A task of the extension in the words both task revisions share. */
function extensionTaskState(task: Task): McpTaskState {
  const created = Date.parse(task.createdAt)
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
    ...(task.pollIntervalMs !== undefined ? { pollIntervalMs: task.pollIntervalMs } : {}),
    ttlMs: task.ttlMs,
    ...(task.ttlMs !== null && !Number.isNaN(created) ? { expiresAtMs: created + task.ttlMs } : {}),
  }
}

/** The client of a server of revision 2026-07-28. */
function modern(client: Client, location: ToolLocation): ModernMcpClient {
  if (client instanceof ModernMcpClient) return client
  throw new KamuiError(
    'MCP_002',
    `MCP server "${location.server}" no longer speaks revision ${MODERN_PROTOCOL_VERSION}, so its ` +
      'tasks of the tasks extension cannot be followed.',
  )
}
