import type { McpCall } from '../models/types.js'
import type { JobHandle } from '../providers/kinds/job.js'
import type { McpPool } from '../providers/mcp/pool.js'
import type { McpJobOptions, McpSubmission } from './mcp-job.js'
import { reattachTaskJob } from './mcp-task-job.js'

/**
 * Re-attaches to an MCP submit/status/result job of an earlier run from its journalled handle
 * (issue 11, resume): finds the submit, status and result tools on the handle's server, with
 * no new submit; or to an MCP task by its task id (`handle.task`: the revision, see
 * `mcp-task-job.ts`), with no new tool call. A synchronous tool has no handle to follow: undefined.
 *
 * @throws KamuiError IMG_002 when the tools are no longer on that server
 */
export async function reattachMcpJob(
  pool: McpPool,
  call: McpCall,
  handle: JobHandle,
  options: McpJobOptions,
): Promise<McpSubmission | undefined> {
  // An MCP task (2025-11-25, or the 2026-07-28 extension) is followed by its task id with
  // the tasks/get of its revision.
  if (handle.task !== undefined) return reattachTaskJob(pool, handle, options)
  if (call.type === 'sync' || handle.id === undefined) return undefined
  const find = {
    ...(options.hints ? { hints: options.hints } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    server: handle.server,
  }
  const [entry, status, result] = await Promise.all([
    pool.findTool(call.submit, find),
    pool.findTool(call.status, find),
    pool.findTool(call.result, find),
  ])
  options.logger?.info(
    `${call.submit}: resuming job ${handle.id} on "${handle.server}" from the run journal (no new submit).`,
  )
  return { handle, entry, status, result }
}
