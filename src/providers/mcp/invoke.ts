import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { abortReason, sleep } from '../../core/abort.js'
import { KamuiError, isKamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { McpCall } from '../../models/types.js'
import type { McpPool } from './pool.js'
import {
  extractErrorText,
  extractMedia,
  extractRequestId,
  extractStatusWord,
  normaliseStatus,
  resultText,
  type JobStatus,
} from './result-media.js'
import type { MediaRef, ToolLocation } from './types.js'

/**
 * Calling a model's MCP tools in one of the two shapes of SPEC §3.1: a single synchronous tool,
 * or the asynchronous submit → status (polled) → result triple.
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

/** Options of {@link invokeTool}. */
export interface InvokeOptions {
  /**
   * The overall deadline and cancellation (the caller builds it with `deadlineSignal`, whose
   * reason is IMG_003); its reason is rethrown.
   */
  signal?: AbortSignal
  /** Pause between status calls in ms (default {@link DEFAULT_POLL_INTERVAL_MS}). */
  pollIntervalMs?: number
  /** Limit of one status call in ms (default {@link DEFAULT_STATUS_TIMEOUT_MS}). */
  statusTimeoutMs?: number
  /** Limit of one submit / result / sync call in ms (default {@link DEFAULT_CALL_TIMEOUT_MS}). */
  callTimeoutMs?: number
  /** Progress lines (`imagen4_fast: processing (24 s)`) go to `info`, details to `debug`. */
  logger?: Logger
  /** Server-key substrings to search first (the model's `serverHints`). */
  hints?: string[]
  /** Called after every status call with the normalised status and the ms since submit. */
  onStatus?: (status: JobStatus | 'unknown', elapsedMs: number) => void
  /** MCP progress notifications of the sync / submit / result call (advisory). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
}

/** What {@link invokeTool} returns. */
export interface InvokeResult {
  /** The media found in the final result, in the order of `extractMedia`; never empty. */
  media: MediaRef[]
  /** Key of the server that ran the job. */
  server: string
  /** Tool names called: `[tool]` or `[submit, status, result]`. */
  tools: string[]
  /** The async job's id. */
  requestId?: string
  /** The text content of the final result, redacted. */
  resultText: string
}

/**
 * Runs a model's MCP call and returns the media of its result.
 *
 * sync: finds the tool by name (hinted servers first), calls it with {@link filterArguments},
 * extracts the media.
 *
 * async: finds `submit`, then `status` and `result` on the same server; submits; reads the
 * `request_id`; then every `pollIntervalMs` calls `status` with it (`request_id`, or the name
 * the tool declares: `requestId` / `id`) until it reports completed (then calls `result`) or
 * failed. Up to {@link MAX_STATUS_FAILURES_IN_A_ROW} retryable status-call failures in a row
 * are tolerated. A progress line is logged at most every 10 s.
 *
 * @param args the model's arguments (prompt, seed, aspect_ratio, …); each tool receives only
 *   those its input schema declares
 * @throws KamuiError IMG_002 when a tool is found on no server; GEN_001 when submit returns no
 *   request id, when the job reports failed (with its redacted error text) or when the final
 *   result holds no media; the classified errors of `McpPool.callTool`; the signal's reason
 *   (IMG_003 for a `deadlineSignal`) when it aborts
 */
export async function invokeTool(
  pool: McpPool,
  call: McpCall,
  args: Record<string, unknown>,
  options: InvokeOptions = {},
): Promise<InvokeResult> {
  const { signal } = options
  try {
    return call.type === 'sync'
      ? await invokeSync(pool, call.tool, args, options)
      : await invokeAsync(pool, call, args, options)
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal)
    throw error
  }
}

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

async function invokeSync(
  pool: McpPool,
  tool: string,
  args: Record<string, unknown>,
  options: InvokeOptions,
): Promise<InvokeResult> {
  const location = await pool.findTool(tool, findOptions(options))
  const result = await pool.callTool(
    location,
    filterArguments(location, args),
    callOptions(options),
  )
  return finish(pool, location, result, [tool], undefined)
}

async function invokeAsync(
  pool: McpPool,
  call: Extract<McpCall, { type: 'async' }>,
  args: Record<string, unknown>,
  options: InvokeOptions,
): Promise<InvokeResult> {
  const { signal } = options
  const logger = options.logger
  const label = call.submit.replace(/[_-]submit$/i, '')
  const submit = await pool.findTool(call.submit, findOptions(options))
  const sameServer = { ...findOptions(options), server: submit.server }
  const [status, result] = await Promise.all([
    pool.findTool(call.status, sameServer),
    pool.findTool(call.result, sameServer),
  ])

  const submitted = await pool.callTool(submit, filterArguments(submit, args), callOptions(options))
  const requestId = extractRequestId(submitted)
  if (requestId === undefined) {
    throw new KamuiError(
      'GEN_001',
      `tool "${call.submit}" on MCP server "${submit.server}" returned no request_id ` +
        `(answer: ${pool.redact(shorten(resultText(submitted)) || 'empty')}).`,
    )
  }
  logger?.debug(`${label}: submitted to "${submit.server}", request_id ${requestId}.`)

  const started = Date.now()
  let lastLog = started
  let failuresInARow = 0
  const interval = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  for (;;) {
    await sleep(interval, signal)
    let answer: CallToolResult
    try {
      answer = await pool.callTool(status, idArguments(status, requestId), {
        ...(signal ? { signal } : {}),
        timeoutMs: options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS,
      })
      failuresInARow = 0
    } catch (error) {
      if (signal?.aborted || !isKamuiError(error) || !error.retryable) throw error
      failuresInARow++
      if (failuresInARow >= MAX_STATUS_FAILURES_IN_A_ROW) throw error
      logger?.warn(`${label}: status check failed (${error.message}); trying again.`)
      continue
    }
    const word = extractStatusWord(answer)
    const state = word === undefined ? undefined : normaliseStatus(word)
    const elapsed = Date.now() - started
    options.onStatus?.(state ?? 'unknown', elapsed)
    if (state === 'failed') {
      const reason = extractErrorText(answer)
      throw new KamuiError(
        'GEN_001',
        `${label} job ${requestId} on MCP server "${submit.server}" failed` +
          (reason ? `: ${pool.redact(reason)}` : '.'),
      )
    }
    if (state === 'completed') break
    if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
      lastLog = Date.now()
      logger?.info(`${label}: ${word ?? 'waiting'} (${Math.round(elapsed / 1000)} s)`)
    }
  }

  const final = await pool.callTool(result, idArguments(result, requestId), callOptions(options))
  return finish(pool, submit, final, [call.submit, call.status, call.result], requestId)
}

function finish(
  pool: McpPool,
  location: ToolLocation,
  result: CallToolResult,
  tools: string[],
  requestId: string | undefined,
): InvokeResult {
  const media = extractMedia(result)
  const text = pool.redact(resultText(result))
  if (media.length === 0) {
    const tool = tools[tools.length - 1] ?? location.tool
    throw new KamuiError(
      'GEN_001',
      `tool "${tool}" on MCP server "${location.server}" succeeded but the result held no media ` +
        `(text: ${shorten(text) || 'none'}).`,
    )
  }
  const out: InvokeResult = { media, server: location.server, tools, resultText: text }
  if (requestId !== undefined) out.requestId = requestId
  return out
}

/** `{ request_id }`, or the id argument name the tool declares (`requestId`, `id`). */
function idArguments(location: ToolLocation, requestId: string): Record<string, unknown> {
  const names = location.inputProperties
  const name = ['request_id', 'requestId', 'requestID', 'id', 'job_id', 'jobId'].find((n) =>
    names.includes(n),
  )
  return { [name ?? 'request_id']: requestId }
}

function findOptions(options: InvokeOptions): { hints?: string[]; signal?: AbortSignal } {
  return {
    ...(options.hints ? { hints: options.hints } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
}

function callOptions(options: InvokeOptions): {
  signal?: AbortSignal
  timeoutMs: number
  onProgress?: InvokeOptions['onProgress']
} {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    timeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }
}

function shorten(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim()
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean
}
