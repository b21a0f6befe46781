import {
  CallToolResultSchema,
  type CallToolResult,
  type Task,
} from '@modelcontextprotocol/sdk/types.js'
import { KamuiError } from '../../core/errors.js'
import type { McpPool } from './pool.js'
import type { CallOptions, ToolLocation } from './types.js'

/**
 * MCP tasks of protocol revision 2025-11-25 (SEP-1686), the smallest typed layer over the
 * experimental client API of `@modelcontextprotocol/sdk` 1.32 (`client.experimental.tasks`):
 * a tool that declares `execution.taskSupport` is called with `params.task` and answers a
 * `CreateTaskResult`; `tasks/get` reports its status (`working`, `input_required`,
 * `completed`, `failed`, `cancelled`) with an optional `statusMessage` and `pollInterval`;
 * `tasks/result` returns the tool's result once it is terminal; `tasks/cancel` stops it.
 * Progress notifications of the creating `tools/call` keep arriving until the task ends (the
 * SDK keeps that request's progress handler for the task).
 *
 * Every request goes through {@link McpPool.request}: one connection per server, errors
 * classified like those of `tools/call`, one released child signal per request.
 * Source: https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/tasks
 */

/** The protocol revision of these tasks, as journalled in a handle's `task` field. */
export const MCP_TASKS_2025 = '2025-11-25'

/** A task's state as `tasks/get` (or the `CreateTaskResult`) reported it. */
export interface McpTaskState {
  taskId: string
  status: Task['status']
  /** The server's words on the current state, not redacted (display only). */
  statusMessage?: string
  /** The interval the server suggests between two `tasks/get`, ms. */
  pollIntervalMs?: number
  /** How long the server keeps the task after its creation, ms; null: unlimited. */
  ttlMs: number | null
  /**
   * `Date.now()` after which a task still working is taken as lost (its `createdAt` plus
   * `ttlMs`): set by the 2026-07-28 tasks extension (`modern/tasks.ts`), whose server may
   * discard a task after its TTL; unset for the tasks of 2025-11-25.
   */
  expiresAtMs?: number
}

/** Options of the task requests. */
export interface TaskRequestOptions {
  /** Aborts the request (not the task: see {@link cancelTask}); the reason is rethrown. */
  signal?: AbortSignal
  /** Limit of the request, ms. */
  timeoutMs: number
}

/** Whether `status` is final (`completed`, `failed`, `cancelled`). */
export function isTerminalTaskStatus(status: Task['status']): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}

/**
 * Whether a call of `location` is made as a task: a tool declaring `taskSupport: "required"`
 * always (a plain call would be refused with -32601), one declaring `"optional"` when its
 * server announces `capabilities.tasks.requests.tools.call`.
 *
 * @throws KamuiError the classified connection errors of {@link McpPool.request}
 */
export async function callsAsTask(
  pool: McpPool,
  location: ToolLocation,
  signal?: AbortSignal,
): Promise<boolean> {
  if (location.taskSupport === 'required') return true
  if (location.taskSupport !== 'optional') return false
  const capabilities = await pool.request(location, signal, (client) =>
    Promise.resolve(client.getServerCapabilities()),
  )
  return capabilities?.tasks?.requests?.tools?.call !== undefined
}

/**
 * Calls `location` as a task (`client.experimental.tasks.callToolStream` with `task: {}`, read
 * up to its `taskCreated` message; the SDK's own polling loop is not used) and returns the
 * created task.
 *
 * @param args the arguments, sent as they are
 * @param options `onProgress` receives the call's progress notifications until the task ends
 * @throws KamuiError the classified MCP errors (an `isError` or refused call among them);
 *   GEN_001 when the server answered without a task
 */
export async function createToolTask(
  pool: McpPool,
  location: ToolLocation,
  args: Record<string, unknown>,
  options: TaskRequestOptions & Pick<CallOptions, 'onProgress'>,
): Promise<McpTaskState> {
  const { onProgress } = options
  const first = await pool.request(location, options.signal, async (client, signal) => {
    const stream = client.experimental.tasks.callToolStream(
      { name: location.tool, arguments: args },
      CallToolResultSchema,
      {
        task: {},
        signal,
        timeout: options.timeoutMs,
        ...(onProgress ? { onprogress: onProgress } : {}),
      },
    )
    try {
      const message = (await stream.next()).value
      if (message?.type === 'error') throw message.error
      return message
    } finally {
      // Stops the generator at its first message: the runner polls on its own schedule.
      await stream.return(undefined)
    }
  })
  if (first?.type !== 'taskCreated') {
    throw new KamuiError(
      'GEN_001',
      `tool "${location.tool}" on MCP server "${location.server}" declares task support but ` +
        'answered without a task.',
    )
  }
  return stateOf(first.task)
}

/**
 * `tasks/get`: the task's current state.
 *
 * @throws KamuiError the classified MCP errors (-32602 for an unknown or expired task id)
 */
export async function getTask(
  pool: McpPool,
  location: ToolLocation,
  taskId: string,
  options: TaskRequestOptions,
): Promise<McpTaskState> {
  const task = await pool.request(location, options.signal, (client, signal) =>
    client.experimental.tasks.getTask(taskId, { signal, timeout: options.timeoutMs }),
  )
  return stateOf(task)
}

/**
 * `tasks/result`: the tool's result of a terminal task (the server blocks until it is).
 *
 * @returns the result, never one with `isError: true`
 * @throws KamuiError classified by `classifyToolErrorText` for an `isError` result (see
 *   {@link McpPool.toolResult}); the classified MCP errors
 */
export async function getTaskResult(
  pool: McpPool,
  location: ToolLocation,
  taskId: string,
  options: TaskRequestOptions,
): Promise<CallToolResult> {
  const result: unknown = await pool.request(location, options.signal, (client, signal) =>
    client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema, {
      signal,
      timeout: options.timeoutMs,
    }),
  )
  return pool.toolResult(location, result)
}

/**
 * `tasks/cancel`: asks the server to stop the task (cooperative: the server decides).
 *
 * @returns the state the server reported after the request
 * @throws KamuiError the classified MCP errors (-32602 for a task already terminal)
 */
export async function cancelTask(
  pool: McpPool,
  location: ToolLocation,
  taskId: string,
  options: TaskRequestOptions,
): Promise<McpTaskState> {
  const task = await pool.request(location, options.signal, (client, signal) =>
    client.experimental.tasks.cancelTask(taskId, { signal, timeout: options.timeoutMs }),
  )
  return stateOf(task)
}

function stateOf(task: Task): McpTaskState {
  return {
    taskId: task.taskId,
    status: task.status,
    ...(task.statusMessage !== undefined ? { statusMessage: task.statusMessage } : {}),
    ...(task.pollInterval !== undefined && task.pollInterval > 0
      ? { pollIntervalMs: task.pollInterval }
      : {}),
    ttlMs: task.ttl,
  }
}
