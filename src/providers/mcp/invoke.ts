import type { ToolLocation } from './types.js'

/**
 * The argument and timing rules of calling a model's MCP tools (SPEC §3.1). The calls
 * themselves (a single synchronous tool, or the asynchronous submit → status (polled) → result
 * triple) are made by the job runner: `src/runner/mcp-job.ts`.
 */

/** Default pause between two status calls, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 2000
/** Default limit of one status call, in ms. */
export const DEFAULT_STATUS_TIMEOUT_MS = 30_000
/** Default limit of one submit, result or sync call, in ms (the caller's signal is the real deadline). */
export const DEFAULT_CALL_TIMEOUT_MS = 600_000
/** Progress lines are logged at most this often, in ms. */
export const PROGRESS_LOG_INTERVAL_MS = 10_000
/** Retryable failures of status calls tolerated in a row before the job is given up. */
export const MAX_STATUS_FAILURES_IN_A_ROW = 3

/**
 * The arguments a tool accepts: only keys that appear in its input schema's `properties`; a
 * tool that declares no properties at all gets `{}` (so `get-tiny-image` receives nothing,
 * while imagen tools receive `prompt`, `seed`, `aspect_ratio`). `undefined` values are dropped.
 */
export function filterArguments(
  location: ToolLocation,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const accepted = new Set(location.inputProperties)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(args)) {
    if (accepted.has(key) && value !== undefined) out[key] = value
  }
  return out
}

/** `{ request_id }`, or the id argument name the tool declares (`requestId`, `id`). */
export function idArguments(location: ToolLocation, requestId: string): Record<string, unknown> {
  const names = location.inputProperties
  const name = ['request_id', 'requestId', 'requestID', 'id', 'job_id', 'jobId'].find((n) =>
    names.includes(n),
  )
  return { [name ?? 'request_id']: requestId }
}

/** `text` on one line, at most 200 characters. */
export function shorten(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}
