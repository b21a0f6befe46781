import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js'
import {
  CallToolResultSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
  type Request,
} from '@modelcontextprotocol/sdk/types.js'
import type { z } from 'zod'
import { abortReason, sleep } from '../../../core/abort.js'
import {
  AckResultSchema,
  DetailedTaskSchema,
  isTerminal,
  type DetailedTask,
  type Task,
} from './schemas.js'

/** Pause between two `tasks/get` when the server suggests none, ms. */
export const DEFAULT_TASK_POLL_MS = 1000
/** Limit of one `tasks/get` or `tasks/cancel` request, ms. */
export const TASK_REQUEST_TIMEOUT_MS = 30_000
/** How long a `tasks/cancel` may take before the call gives up on it, ms. */
export const CANCEL_TIMEOUT_MS = 5000

/** Sends one typed request (the {@link ModernMcpClient}, with its `_meta`). */
export interface TaskRequester {
  request<T extends z.ZodType>(
    request: Request,
    schema: T,
    options?: RequestOptions,
  ): Promise<z.output<T>>
}

/** Hooks and limits of {@link followTask}. */
export interface FollowTaskOptions {
  /** Aborts the wait; the task is cancelled with `tasks/cancel` first. */
  signal?: AbortSignal
  /** `Date.now()` after which the task is cancelled and the call fails with `RequestTimeout`. */
  deadline?: number
  /**
   * Called once with the task handle before the first `tasks/get`, and awaited (the journal
   * stores the task id there, before anything waits on the task).
   */
  onTask?: (task: Task) => void | Promise<void>
  /** Called with every state `tasks/get` reports (status, statusMessage). */
  onTaskStatus?: (task: Task) => void
  /**
   * The pause before the next `tasks/get`, ms, given the ms since the task was created and the
   * server's `pollIntervalMs`; never shorter than the latter. Default: the server's interval,
   * else {@link DEFAULT_TASK_POLL_MS}.
   */
  nextPollMs?: (elapsedMs: number, serverMs: number | undefined) => number
}

/**
 * Follows a task of the 2026-07-28 tasks extension to its result: polls `tasks/get`, never
 * faster than the task's latest `pollIntervalMs`, until the status is terminal. A deadline or
 * an abort sends `tasks/cancel` (bounded to {@link CANCEL_TIMEOUT_MS}, its failure ignored:
 * cancellation is cooperative) before the call fails. A task still working past
 * `createdAt + ttlMs` is treated as lost (the server may have discarded it).
 *
 * @param task the `CreateTaskResult` of `tools/call`, or a stored handle being resumed
 * @returns the tool's result carried by the completed task (which may have `isError: true`)
 * @throws McpError `RequestTimeout` past the deadline or the TTL; the task's JSON-RPC error
 *   (code and message as the server gave them) when it failed; `InternalError` when it was
 *   cancelled by the server or needs input (`input_required`: the suite has no user to ask);
 *   the signal's reason when aborted
 */
export async function followTask(
  client: TaskRequester,
  task: Task,
  options: FollowTaskOptions = {},
): Promise<CallToolResult> {
  await options.onTask?.(task)
  let state: DetailedTask = task
  const created = Date.parse(task.createdAt)
  const origin = Number.isNaN(created) ? Date.now() : created
  for (;;) {
    if (isTerminal(state.status)) return taskOutcome(state)
    if (state.status === 'input_required') {
      await cancelTask(client, task.taskId)
      throw new McpError(
        ErrorCode.InternalError,
        `Task ${task.taskId} asks for input (input_required), which an unattended run cannot give; it was cancelled.`,
      )
    }
    const pause = pollPause(options, Date.now() - origin, state.pollIntervalMs)
    await waitOrCancel(client, state, origin, pause, options)
    state = await client.request(
      { method: 'tasks/get', params: { taskId: task.taskId } },
      DetailedTaskSchema,
      { timeout: TASK_REQUEST_TIMEOUT_MS, ...(options.signal ? { signal: options.signal } : {}) },
    )
    options.onTaskStatus?.(state)
  }
}

/**
 * Sends `tasks/cancel` for `taskId`, bounded to {@link CANCEL_TIMEOUT_MS}; never throws
 * (cancellation is cooperative, and the caller is already failing).
 */
export async function cancelTask(client: TaskRequester, taskId: string): Promise<void> {
  await client
    .request({ method: 'tasks/cancel', params: { taskId } }, AckResultSchema, {
      timeout: CANCEL_TIMEOUT_MS,
    })
    .catch(() => undefined)
}

function pollPause(options: FollowTaskOptions, elapsedMs: number, serverMs?: number): number {
  const wanted = options.nextPollMs?.(elapsedMs, serverMs) ?? serverMs ?? DEFAULT_TASK_POLL_MS
  return Math.max(wanted, serverMs ?? 0)
}

/** Sleeps `pause` ms; cancels the task and throws on abort, deadline or an expired TTL. */
async function waitOrCancel(
  client: TaskRequester,
  state: Task,
  origin: number,
  pause: number,
  options: FollowTaskOptions,
): Promise<void> {
  const expires = state.ttlMs === null ? Infinity : origin + state.ttlMs
  const limit = Math.min(options.deadline ?? Infinity, expires)
  const until = Math.min(Date.now() + pause, limit)
  try {
    await sleep(Math.max(0, until - Date.now()), options.signal)
  } catch (error) {
    await cancelTask(client, state.taskId)
    throw options.signal?.aborted ? abortReason(options.signal) : error
  }
  if (Date.now() < limit) return
  await cancelTask(client, state.taskId)
  const why =
    limit === expires
      ? `outlived its ttlMs (${state.ttlMs} ms) without finishing`
      : 'did not finish before the deadline'
  throw new McpError(
    ErrorCode.RequestTimeout,
    `task ${state.taskId} ${why}; it was cancelled with tasks/cancel`,
    { taskId: state.taskId },
  )
}

/** The result of a terminal task, or its error. */
function taskOutcome(state: DetailedTask): CallToolResult {
  if (state.status === 'completed') return CallToolResultSchema.parse(state.result ?? {})
  if (state.status === 'failed') {
    const error = state.error
    throw new McpError(
      error?.code ?? ErrorCode.InternalError,
      error?.message ?? `Task ${state.taskId} failed${suffix(state.statusMessage)}`,
      error?.data,
    )
  }
  throw new McpError(
    ErrorCode.InternalError,
    `Task ${state.taskId} was cancelled by the server${suffix(state.statusMessage)}`,
  )
}

function suffix(message: string | undefined): string {
  return message === undefined || message === '' ? '.' : `: ${message}`
}
