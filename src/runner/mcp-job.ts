import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { sleep } from '../core/abort.js'
import { KamuiError, isKamuiError } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import type { McpCall } from '../models/types.js'
import type { JobHandle, JobOutput, ReadyWindowMs } from '../providers/kinds/job.js'
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_STATUS_TIMEOUT_MS,
  MAX_STATUS_FAILURES_IN_A_ROW,
  PROGRESS_LOG_INTERVAL_MS,
  filterArguments,
  idArguments,
  shorten,
} from '../providers/mcp/invoke.js'
import { MCP_TASKS_2026, callToolOrTask } from '../providers/mcp/modern/tasks.js'
import type { McpPool } from '../providers/mcp/pool.js'
import {
  extractErrorText,
  extractMedia,
  extractRequestId,
  extractStatusWord,
  normaliseStatus,
  resultText,
  type JobStatus,
} from '../providers/mcp/result-media.js'
import { callsAsTask, type McpTaskState } from '../providers/mcp/tasks.js'
import type { MediaRef, ToolLocation } from '../providers/mcp/types.js'
import { withIdempotencyKey } from './idempotency.js'
import { latencyModelKey, ModelLatencies, type FollowedJob } from './model-latency.js'
import { submitTaskJob, taskSubmission, waitTaskJob } from './mcp-task-job.js'
import { nextPollDelay, serverPollIntervalMs } from './poll-schedule.js'

/**
 * The MCP half of the job runner (SPEC §3.1): a single synchronous tool, or the asynchronous
 * submit → status (polled) → result triple, in two steps: {@link submitMcpJob} returns the
 * durable handle (the `request_id`), {@link waitMcpJob} polls it to the final result. Used by
 * `JobRunner` (`job-runner.ts`), the one place that composes them.
 */

/** Options of the MCP steps. */
export interface McpJobOptions {
  /** The overall deadline and cancellation; its reason is rethrown. */
  signal?: AbortSignal
  /**
   * A fixed pause between status calls in ms; when unset (the default) the adaptive schedule of
   * `poll-schedule.ts` runs (first call after 125 ms, then pauses of 600 ms backing off to 2 s
   * with jitter, taken in turns by the jobs of one model, tightened around the latency learned
   * from the model's earlier jobs of the run, server intervals as a floor).
   */
  pollIntervalMs?: number
  /** The latency estimates to learn from and feed (default: the run's, one per pool). */
  latencies?: ModelLatencies
  /** Uniform random numbers in [0, 1) for the jitter (default `Math.random`; tests inject one). */
  random?: () => number
  /** Limit of one status call in ms (default 30 000). */
  statusTimeoutMs?: number
  /** Limit of one submit / result / sync call in ms (default 600 000). */
  callTimeoutMs?: number
  /** Progress lines (`imagen4_fast: processing (24 s)`) go to `info`, details to `debug`. */
  logger?: Logger
  /** Server-key substrings to search first (the model's `serverHints`). */
  hints?: string[]
  /** Called after every status call with the normalised status and the ms since submit. */
  onStatus?: (status: JobStatus | 'unknown', elapsedMs: number) => void
  /** MCP progress notifications of the sync / submit / result call (advisory). */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void
  /**
   * The idempotency key of the job (a journalled job: derived from its job key and folder),
   * sent to a sync or submit tool that declares an idempotency argument (`idempotency.ts`).
   */
  idempotencyKey?: string
  /** An MCP task's status and `statusMessage` with the ms since submit (see `mcp-task-job.ts`). */
  onTaskStatus?: (status: string, statusMessage: string | undefined, elapsedMs: number) => void
  /**
   * Called once when a job submitted in this run is seen completed, with when it became ready
   * (ms after submit); the job runner journals it for later runs' latency estimates.
   */
  onReady?: (window: ReadyWindowMs) => void
}

/** A submitted MCP job: its handle, and what the wait step needs. */
export interface McpSubmission {
  handle: JobHandle
  /** The sync tool, or the submit tool (its server runs the job). */
  entry: ToolLocation
  /** Status and result tools of a triple, on the submit's server. */
  status?: ToolLocation
  result?: ToolLocation
  /** The answer of a synchronous tool (it has no wait). */
  answer?: CallToolResult
  /** The idempotency key sent with the submit, when the tool declares an argument for it. */
  idempotencyKey?: string
  /** `performance.now()` just before the submit call (undefined for a job re-attached later). */
  submittedAt?: number
  /**
   * Set when the job runs as an MCP task (the handle's id is the task id): the state of its
   * creation, or undefined for a task re-attached from the journal (`mcp-task-job.ts`).
   */
  task?: { created: McpTaskState | undefined }
}

/**
 * Finds the tools and starts the job: calls the sync tool (its answer is the result), or the
 * submit tool, whose `request_id` becomes the handle's id. A sync or submit tool that declares
 * MCP task support (`execution.taskSupport`, see `callsAsTask`) is called as a task instead
 * (`mcp-task-job.ts`): the task id becomes the handle's id. On a server of revision 2026-07-28
 * the call declares the tasks extension, and a task answer (`resultType: "task"`) likewise
 * becomes a task submission (`handle.task` = `2026-07-28`), journalled and followed like one
 * of 2025-11-25. Status and result tools of a triple are called without the extension.
 *
 * @throws KamuiError IMG_002 when a tool is found on no server (status and result must be on
 *   the submit's server); GEN_001 when submit returns no request id; the classified errors of
 *   `McpPool.callTool`
 */
export async function submitMcpJob(
  pool: McpPool,
  call: McpCall,
  args: Record<string, unknown>,
  options: McpJobOptions,
): Promise<McpSubmission> {
  if (call.type === 'sync') {
    const entry = await pool.findTool(call.tool, findOptions(options))
    if (await callsAsTask(pool, entry, options.signal)) {
      return submitTaskJob(pool, entry, [call.tool], args, options)
    }
    const started = await callEntry(pool, entry, call.tool, args, options)
    if ('task' in started) return started.task
    return {
      handle: handleOf(entry.server, [call.tool], undefined),
      entry,
      answer: started.result,
      ...(started.idempotencyKey ? { idempotencyKey: started.idempotencyKey } : {}),
    }
  }
  const entry = await pool.findTool(call.submit, findOptions(options))
  // A submit tool that declares task support runs as a task: its task's result is the final one.
  if (await callsAsTask(pool, entry, options.signal)) {
    return submitTaskJob(pool, entry, [call.submit], args, options)
  }
  const sameServer = { ...findOptions(options), server: entry.server }
  const [status, result] = await Promise.all([
    pool.findTool(call.status, sameServer),
    pool.findTool(call.result, sameServer),
  ])
  // A submit answered with a task (2026-07-28 extension): the task's result is the final one.
  const started = await callEntry(pool, entry, call.submit, args, options)
  if ('task' in started) return started.task
  const { result: submitted, submittedAt, idempotencyKey } = started
  const requestId = extractRequestId(submitted)
  if (requestId === undefined) {
    throw new KamuiError(
      'GEN_001',
      `tool "${call.submit}" on MCP server "${entry.server}" returned no request_id ` +
        `(answer: ${pool.redact(shorten(resultText(submitted)) || 'empty')}).`,
    )
  }
  options.logger?.debug(
    `${labelOf(call.submit)}: submitted to "${entry.server}", request_id ${requestId}.`,
  )
  const tools = [call.submit, call.status, call.result]
  return {
    handle: handleOf(entry.server, tools, requestId),
    entry,
    status,
    result,
    submittedAt,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  }
}

/**
 * Calls the sync or submit tool of `entry` with the job's arguments (its idempotency key
 * added where the tool declares an argument for it). A server of the 2026-07-28 tasks
 * extension may answer with a task: that becomes a task submission whose handle's id is the
 * task id (`[tool]` journalled as its tools).
 *
 * @throws KamuiError the classified errors of the call
 */
async function callEntry(
  pool: McpPool,
  entry: ToolLocation,
  tool: string,
  args: Record<string, unknown>,
  options: McpJobOptions,
): Promise<
  | { task: McpSubmission }
  | { result: CallToolResult; submittedAt: number; idempotencyKey: string | undefined }
> {
  const submittedAt = performance.now()
  const keyed = withIdempotencyKey(entry, args, options.idempotencyKey)
  const sent = filterArguments(entry, keyed.args)
  const answer = await callToolOrTask(pool, entry, sent, callOptions(options))
  if ('result' in answer) return { result: answer.result, submittedAt, idempotencyKey: keyed.sent }
  const { task } = answer
  return {
    task: taskSubmission(entry, [tool], task, MCP_TASKS_2026, submittedAt, keyed.sent, options),
  }
}

/**
 * Waits for a submitted job and returns its final result: at once for a sync tool; for a
 * triple, `status` on the adaptive schedule of `poll-schedule.ts` (or every `pollIntervalMs`
 * when that is set) until completed (then `result`) or failed. Up to
 * three retryable status-call failures in a row are tolerated; a progress line is logged at
 * most every 10 s.
 *
 * @throws KamuiError GEN_001 when the job reports failed (with its redacted error text); the
 *   classified MCP errors; the signal's reason
 */
export async function waitMcpJob(
  pool: McpPool,
  submission: McpSubmission,
  options: McpJobOptions,
): Promise<CallToolResult> {
  if (submission.task) return waitTaskJob(pool, submission, options)
  if (submission.answer) return submission.answer
  const { status, result } = submission
  const requestId = submission.handle.id as string
  if (!status || !result) throw new Error('waitMcpJob: a triple needs its status and result tools')
  await pollUntilCompleted(pool, submission, status, options)
  return pool.callTool(result, idArguments(result, requestId), callOptions(options))
}

async function pollUntilCompleted(
  pool: McpPool,
  submission: McpSubmission,
  status: ToolLocation,
  options: McpJobOptions,
): Promise<void> {
  const { signal, logger } = options
  const requestId = submission.handle.id as string
  const label = labelOf(submission.entry.tool)
  const latencies = options.latencies ?? latenciesOf(pool)
  const model = latencyModelKey(submission.entry.server, submission.entry.tool)
  // A job re-attached from a journal has no known submit time: it is followed, not learned from.
  const learn = submission.submittedAt !== undefined
  const followed = latencies.follow(model, submission.submittedAt ?? performance.now())
  const random = options.random ?? Math.random
  let lastLog = Date.now()
  let failuresInARow = 0
  let lastCallMs: number | undefined
  let answeredMs: number | undefined
  let serverMs: number | undefined
  try {
    for (;;) {
      const poll = { learn, lastCallMs, answeredMs, serverMs, random }
      lastCallMs = await waitForNextCall(followed, poll, options)
      let answer: CallToolResult
      try {
        answer = await pool.callTool(status, idArguments(status, requestId), {
          ...(signal ? { signal } : {}),
          timeoutMs: options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS,
        })
        failuresInARow = 0
      } catch (error) {
        if (signal?.aborted || !isKamuiError(error) || !error.retryable) throw error
        if (++failuresInARow >= MAX_STATUS_FAILURES_IN_A_ROW) throw error
        answeredMs = followed.elapsedMs()
        serverMs = error.retryAfterMs
        logger?.warn(`${label}: status check failed (${error.message}); trying again.`)
        continue
      }
      answeredMs = followed.elapsedMs()
      serverMs = serverPollIntervalMs(answerFields(answer))
      const word = extractStatusWord(answer)
      const state = word === undefined ? undefined : normaliseStatus(word)
      const elapsed = Math.round(followed.elapsedMs())
      options.onStatus?.(state ?? 'unknown', elapsed)
      if (state === 'failed') {
        const reason = extractErrorText(answer)
        throw new KamuiError(
          'GEN_001',
          `${label} job ${requestId} on MCP server "${submission.entry.server}" failed` +
            (reason ? `: ${pool.redact(reason)}` : '.'),
        )
      }
      if (state === 'completed') {
        if (learn) {
          const window = followed.ready(elapsed)
          options.onReady?.(window)
        }
        return
      }
      followed.notReady(lastCallMs)
      if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
        lastLog = Date.now()
        logger?.info(`${label}: ${word ?? 'waiting'} (${Math.round(elapsed / 1000)} s)`)
      }
    }
  } finally {
    followed.close()
  }
}

/** Where a followed job stands between two status calls (times in ms after its submit). */
export interface PollState {
  /** Whether its latency is learned from (and the estimate used): false for a re-attached job. */
  learn: boolean
  /** When the last status call was sent; undefined before the first. */
  lastCallMs: number | undefined
  /** When the last answer came (the server's interval counts from it); undefined: now. */
  answeredMs: number | undefined
  /** The interval the server asked for in that answer, ms (a floor). */
  serverMs: number | undefined
  random: () => number
}

/**
 * Waits until the job's next status call (an MCP triple's status tool or a task's `tasks/get`)
 * is due on the poll schedule (`poll-schedule.ts`), counted from the last call, and never
 * sooner than the server's interval after its answer, even when a job of the same model that
 * completed wakes this one early. Returns when that is, ms after submit.
 *
 * @throws the signal's reason when it aborts
 */
export async function waitForNextCall(
  followed: FollowedJob,
  poll: PollState,
  options: McpJobOptions,
): Promise<number> {
  const { lastCallMs, serverMs } = poll
  const delay = nextPollDelay({
    elapsedMs: lastCallMs,
    estimate: poll.learn ? followed.estimate() : undefined,
    turn: followed.turn(),
    serverMs,
    fixedMs: options.pollIntervalMs,
    random: poll.random,
  })
  const now = followed.elapsedMs()
  const floor = serverMs === undefined ? 0 : (poll.answeredMs ?? now) + serverMs
  const due = Math.max(lastCallMs === undefined ? now + delay : lastCallMs + delay, floor)
  await followed.wait(Math.max(0, due - now), options.signal)
  if (followed.elapsedMs() < floor) await sleep(floor - followed.elapsedMs(), options.signal)
  return followed.elapsedMs()
}

/** The run's latency estimates: one {@link ModelLatencies} per MCP pool (a pool is one run's). */
const runLatencies = new WeakMap<McpPool, ModelLatencies>()

/** The latency estimates of the run that owns `pool`. */
export function latenciesOf(pool: McpPool): ModelLatencies {
  let latencies = runLatencies.get(pool)
  if (!latencies) {
    latencies = new ModelLatencies()
    runLatencies.set(pool, latencies)
  }
  return latencies
}

/** The fields of a status answer: its `structuredContent`, else the JSON object of its text. */
function answerFields(answer: CallToolResult): unknown {
  if (answer.structuredContent !== undefined) return answer.structuredContent
  const text = resultText(answer).trim()
  if (!text.startsWith('{')) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/**
 * The job output of a final MCP result.
 *
 * @param answer `media`: the result must hold media; `text`: it must hold text or
 *   `structuredContent`
 * @throws KamuiError GEN_001 when it holds neither what `answer` asks for
 */
export function mcpOutput(
  pool: McpPool,
  submission: McpSubmission,
  final: CallToolResult,
  answer: 'media' | 'text',
  generationMs: number,
): JobOutput {
  const { handle } = submission
  const media: MediaRef[] = answer === 'media' ? extractMedia(final) : []
  const text = resultText(final)
  const where = `tool "${handle.tools[handle.tools.length - 1] ?? submission.entry.tool}" on MCP server "${handle.server}"`
  if (answer === 'media' && media.length === 0) {
    throw new KamuiError(
      'GEN_001',
      `${where} succeeded but the result held no media (text: ${shorten(pool.redact(text)) || 'none'}).`,
    )
  }
  if (answer === 'text' && text.trim() === '' && final.structuredContent === undefined) {
    throw new KamuiError('GEN_001', `${where} answered without any text.`)
  }
  return {
    handle,
    media,
    text,
    structured: final.structuredContent,
    accepted: submission.entry.inputProperties,
    generationMs,
    downloadMs: null,
    gpuMemory: null,
  }
}

function handleOf(server: string, tools: string[], id: string | undefined): JobHandle {
  return { provider: 'mcp', server, tools, id, workflow: null }
}

function labelOf(tool: string): string {
  return tool.replace(/[_-]submit$/i, '')
}

function findOptions(options: McpJobOptions): { hints?: string[]; signal?: AbortSignal } {
  return {
    ...(options.hints ? { hints: options.hints } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  }
}

function callOptions(options: McpJobOptions): {
  signal?: AbortSignal
  timeoutMs: number
  onProgress?: McpJobOptions['onProgress']
} {
  return {
    ...(options.signal ? { signal: options.signal } : {}),
    timeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  }
}
