import type { Logger } from '../../core/logger.js'
import type { Redactor } from '../../core/redactor.js'

/**
 * A piece of media found in an MCP tool result, before it is downloaded or decoded.
 * Exactly one of `bytes` and `url` is set (a `resource` with a blob has both `bytes` and its
 * `uri` as `url`; `url` is then informational).
 */
export interface MediaRef {
  /** Where in the result it was found. */
  source: 'image' | 'resource' | 'resource_link' | 'text' | 'json' | 'structuredContent'
  /** Decoded bytes (base64 `image` content, `resource` blob, `data:` URL). */
  bytes?: Uint8Array
  /** The URL the model returned (http(s), or a `preview://` identifier of the preview server). */
  url?: string
  /** MIME type as announced by the server, when it said one. */
  mimeType?: string
}

/** Where a tool was found. */
export interface ToolLocation {
  /** Key of the server in `mcpServers`. */
  server: string
  tool: string
  /** Names of the tool's input-schema properties (used to pass only arguments it accepts). */
  inputProperties: string[]
  /**
   * The tool's `execution.taskSupport` (MCP 2025-11-25) when it is `optional` or `required`:
   * the job runner calls it as a task (`src/runner/mcp-task-job.ts`); absent for `forbidden`.
   */
  taskSupport?: 'optional' | 'required'
}

/** Options of every MCP call. */
export interface CallOptions {
  /** Aborts the call (deadline or cancellation); the reason is rethrown. */
  signal?: AbortSignal
  /** Progress notifications, advisory only (they are sometimes lost over stdio). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
}

/** What the provider needs from its surroundings (injected, never read from process state). */
export interface McpProviderContext {
  logger: Logger
  redactor: Redactor
  /** Environment used for `${VAR}` expansion and as the base env of stdio servers. */
  env: Record<string, string | undefined>
}
