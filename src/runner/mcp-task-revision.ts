import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { KamuiError } from '../core/errors.js'
import type { JobHandle } from '../providers/kinds/job.js'
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_STATUS_TIMEOUT_MS } from '../providers/mcp/invoke.js'
import {
  MCP_TASKS_2026,
  cancelExtensionTask,
  extensionTaskResult,
  getExtensionTask,
  type ExtensionTaskState,
} from '../providers/mcp/modern/tasks.js'
import type { McpPool } from '../providers/mcp/pool.js'
import { cancelTask, getTask, getTaskResult } from '../providers/mcp/tasks.js'
import type { ToolLocation } from '../providers/mcp/types.js'
import type { McpJobOptions } from './mcp-job.js'
import type { TaskSnapshot } from './mcp-task-job.js'

/**
 * The messages of one MCP task revision, as the runner's one task follower
 * (`mcp-task-job.ts`) uses them: `2025-11-25` (the SDK's `tasks/get`, `tasks/result`,
 * `tasks/cancel`, `src/providers/mcp/tasks.ts`) or `2026-07-28` (the tasks extension's
 * `tasks/get` with the result inlined, `tasks/cancel`, `src/providers/mcp/modern/tasks.ts`).
 * The handle's `task` field says which; a journalled handle keeps it, so a resumed task is
 * followed with the requests of its own revision.
 */
export interface TaskRevision {
  /** One `tasks/get`, limited to the job's status timeout; aborted by `signal`. */
  get(signal: AbortSignal | undefined): Promise<TaskSnapshot>
  /**
   * The tool's result once the follower returned `final` (terminal, or `input_required`).
   *
   * @throws KamuiError GEN_001 when the task failed or was cancelled on the server (a task
   *   of the extension: its JSON-RPC error classified), or needs input an unattended run
   *   cannot give (the extension: cancelled first); the classified MCP errors
   */
  result(final: TaskSnapshot): Promise<CallToolResult>
  /** `tasks/cancel` (no signal: it is sent after the job's signal aborted); the new status. */
  cancel(timeoutMs: number): Promise<string>
}

/**
 * The revision of the task of `handle` (`handle.task`; `2025-11-25` when unset).
 *
 * @param entry the tool the task runs (its server receives the requests)
 */
export function taskRevision(
  pool: McpPool,
  entry: ToolLocation,
  handle: JobHandle,
  options: McpJobOptions,
): TaskRevision {
  const taskId = handle.id as string
  const statusTimeoutMs = options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS
  const request = (signal: AbortSignal | undefined, timeoutMs: number) => ({
    timeoutMs,
    ...(signal ? { signal } : {}),
  })
  if (handle.task === MCP_TASKS_2026) {
    let last: ExtensionTaskState | undefined
    const cancel = async (timeoutMs: number): Promise<string> => {
      await cancelExtensionTask(pool, entry, taskId, { timeoutMs })
      return 'cancel requested'
    }
    return {
      get: async (signal) =>
        (last = await getExtensionTask(pool, entry, taskId, request(signal, statusTimeoutMs))),
      cancel,
      result: async (final) => {
        if (final.status === 'input_required') {
          await cancel(statusTimeoutMs).catch(() => undefined)
          throw new KamuiError(
            'GEN_001',
            `${entry.tool} task ${taskId} on MCP server "${entry.server}" asks for input ` +
              '(input_required), which an unattended run cannot give; it was cancelled.',
          )
        }
        return extensionTaskResult(pool, entry, last ?? { ...final, taskId, ttlMs: null })
      },
    }
  }
  return {
    get: (signal) => getTask(pool, entry, taskId, request(signal, statusTimeoutMs)),
    cancel: async (timeoutMs) => (await cancelTask(pool, entry, taskId, { timeoutMs })).status,
    result: async (final) => {
      if (final.status === 'failed' || final.status === 'cancelled') {
        const why = final.statusMessage ? `: ${pool.redact(final.statusMessage)}` : '.'
        throw new KamuiError(
          'GEN_001',
          `${entry.tool} task ${taskId} on MCP server "${entry.server}" ${final.status === 'failed' ? 'failed' : 'was cancelled on the server'}${why}`,
        )
      }
      // `completed`, or `input_required`: the server delivers its requests through tasks/result.
      return getTaskResult(
        pool,
        entry,
        taskId,
        request(options.signal, options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS),
      )
    },
  }
}
