import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { toolError } from './result.js'

/** The input of every `_status` and `_result` tool: the id `_submit` returned. */
export const requestIdShape = {
  request_id: z.string().min(1).describe('The request_id returned by submit.'),
}

/** A submitted preview job as the status and result tools see it. */
export interface JobView<R> {
  status: 'queued' | 'processing' | 'completed' | 'failed'
  result?: R
  error?: string
}

/** What {@link registerStatusAndResultTools} registers. */
export interface StatusAndResultSpec<R> {
  /** Tool names, e.g. `preview_video_status` and `preview_video_result`. */
  status: string
  result: string
  /** What the jobs make, for titles and messages (`Preview video`). */
  label: string
  /** Description of the finished result (what the result tool returns). */
  resultDescription: string
  lookup(requestId: string): JobView<R> | undefined
  toResult(result: R): CallToolResult
}

/**
 * Registers the `_status` and `_result` tools of a submit / status / result triple over a job
 * lookup, the shape hosted models use (SPEC §3.1): status answers JSON
 * `{request_id, status, error?}`; result answers the finished job, or an `isError` result for an
 * unknown id, a failed job (with its error) or a job not finished yet.
 */
export function registerStatusAndResultTools<R>(
  server: McpServer,
  spec: StatusAndResultSpec<R>,
): void {
  server.registerTool(
    spec.status,
    {
      title: `${spec.label}: status`,
      description: `Status of a submitted ${spec.label.toLowerCase()}: queued, processing, completed or failed.`,
      inputSchema: requestIdShape,
    },
    ({ request_id }): CallToolResult => {
      const job = spec.lookup(request_id)
      if (!job) return toolError(`Unknown request_id: ${request_id}`)
      return jsonText({
        request_id,
        status: job.status,
        ...(job.error === undefined ? {} : { error: job.error }),
      })
    },
  )
  server.registerTool(
    spec.result,
    {
      title: `${spec.label}: result`,
      description: spec.resultDescription,
      inputSchema: requestIdShape,
    },
    ({ request_id }): CallToolResult => {
      const job = spec.lookup(request_id)
      if (!job) return toolError(`Unknown request_id: ${request_id}`)
      if (job.status === 'failed')
        return toolError(`${spec.label} ${request_id} failed: ${job.error ?? 'unknown error'}`)
      if (job.status !== 'completed' || job.result === undefined) {
        return toolError(`${spec.label} ${request_id} is not finished yet (status: ${job.status}).`)
      }
      return spec.toResult(job.result)
    },
  )
}

/** A text content item holding `value` as JSON. */
export function jsonText(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] }
}
