import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { KamuiError, errorMessage, isKamuiError } from '../core/errors.js'
import type { JobHandle } from '../providers/kinds/job.js'
import {
  DEFAULT_CALL_TIMEOUT_MS,
  MAX_STATUS_FAILURES_IN_A_ROW,
  PROGRESS_LOG_INTERVAL_MS,
  filterArguments,
} from '../providers/mcp/invoke.js'
import type { McpPool } from '../providers/mcp/pool.js'
import {
  MCP_TASKS_2025,
  createToolTask,
  isTerminalTaskStatus,
  type McpTaskState,
} from '../providers/mcp/tasks.js'
import type { ToolLocation } from '../providers/mcp/types.js'
import { withIdempotencyKey } from './idempotency.js'
import { latenciesOf, waitForNextCall, type McpJobOptions, type McpSubmission } from './mcp-job.js'
import { taskRevision, type TaskRevision } from './mcp-task-revision.js'
import { latencyModelKey, type ModelLatencies } from './model-latency.js'

/**
 * The MCP task path of the job runner (issue 12 §2–3), for both task revisions: 2025-11-25
 * (a tool that declares `execution.taskSupport` is called as a task, {@link submitTaskJob})
 * and the 2026-07-28 tasks extension (a `tools/call` the server answered with
 * `resultType: "task"`, turned into a submission by {@link taskSubmission} in `mcp-job.ts`).
 * Either way the task id is the job's durable handle (`handle.task` names the revision),
 * journalled before the runner waits; the task is followed with `tasks/get` on the adaptive
 * schedule of `poll-schedule.ts` with the server's interval (`pollInterval`,
 * `pollIntervalMs`) as a floor and its TTL as a limit ({@link followTask}, the one follower
 * of both revisions), and its result read the revision's way (`mcp-task-revision.ts`); a job
 * whose signal aborts (deadline, cancellation) or whose task outlived its TTL is cancelled
 * with `tasks/cancel`. A re-run re-attaches to the journalled task id
 * ({@link reattachTaskJob}) without calling the tool again. Composed by `mcp-job.ts` (submit
 * and wait) and `mcp-resume.ts` (resume).
 */

/** Limit of the `tasks/cancel` sent after the job's signal aborted, ms. */
export const TASK_CANCEL_TIMEOUT_MS = 5000

/**
 * A task's state in the words both protocol revisions share: what {@link followTask} needs
 * from one `tasks/get` answer (2025-11-25 `pollInterval`, 2026-07-28 `pollIntervalMs`, both in
 * ms).
 */
export interface TaskSnapshot {
  status: 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled'
  statusMessage?: string
  pollIntervalMs?: number
  /** How long the server keeps the task after its creation, ms; null: unlimited. */
  ttlMs?: number | null
  /**
   * `Date.now()` after which a task still working is taken as lost (`createdAt` + `ttlMs`;
   * the 2026-07-28 extension sets it, the server may discard the task after it).
   */
  expiresAtMs?: number
  /** Set by {@link followTask} when it stopped because the task outlived its TTL. */
  expired?: boolean
}

/** What {@link followTask} follows. */
export interface FollowTaskSpec {
  /** Model key of the latency estimates (`<server>\u0000<tool>`). */
  model: string
  /** For log lines (`preview_image_submit`). */
  label: string
  taskId: string
  /** `performance.now()` before the creating call; undefined for a re-attached task. */
  submittedAt: number | undefined
  /** The state the task was created in (its `pollInterval` applies to the first poll). */
  created: TaskSnapshot | undefined
  /** The run's latency estimates (`latenciesOf(pool)`, or `McpJobOptions.latencies`). */
  latencies: ModelLatencies
  /** One `tasks/get` (its own limit; aborted by the signal it is given). */
  get: (signal: AbortSignal | undefined) => Promise<TaskSnapshot>
}

/**
 * Calls the tool of `entry` as a task and returns the submission whose handle's id is the
 * task id (`handle.task` = `2025-11-25`, `handle.tools` = `tools`).
 *
 * @param tools the tool names journalled in the handle (`[tool]`, or `[submit]` for a triple
 *   whose submit tool declares task support: its task's result is the final result)
 * @throws KamuiError the classified MCP errors of the creating call; GEN_001 when the server
 *   answered without a task
 */
export async function submitTaskJob(
  pool: McpPool,
  entry: ToolLocation,
  tools: string[],
  args: Record<string, unknown>,
  options: McpJobOptions,
): Promise<McpSubmission> {
  const submittedAt = performance.now()
  // A journalled job's idempotency key, for a tool that declares an argument for it.
  const keyed = withIdempotencyKey(entry, args, options.idempotencyKey)
  const created = await createToolTask(pool, entry, filterArguments(entry, keyed.args), {
    timeoutMs: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  return taskSubmission(entry, tools, created, MCP_TASKS_2025, submittedAt, keyed.sent, options)
}

/**
 * The submission of a created task: its handle's id is the task id, `handle.task` the
 * revision (so the journal, and a re-run, know which `tasks/get` to send).
 *
 * @param tools the tool names journalled in the handle (`[tool]` or `[submit]`)
 * @param submittedAt `performance.now()` before the creating call
 * @param idempotencyKey the key the creating call carried, if any
 */
export function taskSubmission(
  entry: ToolLocation,
  tools: string[],
  created: McpTaskState,
  revision: NonNullable<JobHandle['task']>,
  submittedAt: number,
  idempotencyKey: string | undefined,
  options: McpJobOptions,
): McpSubmission {
  options.logger?.debug(
    `${entry.tool}: task ${created.taskId} (MCP ${revision}) created on "${entry.server}" (${created.status}).`,
  )
  options.onTaskStatus?.(created.status, created.statusMessage, 0)
  return {
    handle: { ...jobHandle(entry.server, tools, created.taskId), task: revision },
    entry,
    submittedAt,
    task: { created },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  }
}

/**
 * Re-attaches to the task of a journalled handle (`handle.task`: `2025-11-25` or
 * `2026-07-28`, kept, so the task is followed with its revision's requests): finds its tool on
 * the handle's server; no tool is called.
 *
 * @throws KamuiError IMG_002 when the tool is no longer on that server
 */
export async function reattachTaskJob(
  pool: McpPool,
  handle: JobHandle,
  options: McpJobOptions,
): Promise<McpSubmission> {
  const tool = handle.tools[0]
  if (tool === undefined || handle.id === undefined) {
    throw new KamuiError('GEN_001', 'A journalled MCP task handle names no tool or task id.')
  }
  const entry = await pool.findTool(tool, {
    server: handle.server,
    ...(options.hints ? { hints: options.hints } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  options.logger?.info(
    `${tool}: resuming task ${handle.id} (MCP ${handle.task ?? MCP_TASKS_2025}) on "${handle.server}" from the run journal (no new call).`,
  )
  return { handle, entry, task: { created: undefined } }
}

/**
 * Waits for a task job: {@link followTask} with the `tasks/get` of its revision, then the
 * tool's result the revision's way (2025-11-25: `tasks/result`, also for `input_required`,
 * whose requests the server delivers there; 2026-07-28: the result inlined in the last
 * `tasks/get`). When the signal aborts, or the task outlived its TTL, the task is cancelled
 * (`tasks/cancel`, best effort, bounded by {@link TASK_CANCEL_TIMEOUT_MS}) before the error.
 *
 * @throws KamuiError GEN_001 when the task failed (with its redacted status message, or its
 *   classified error) or was cancelled on the server; IMG_003 when it outlived its TTL; the
 *   classified MCP errors; the signal's reason
 */
export async function waitTaskJob(
  pool: McpPool,
  submission: McpSubmission,
  options: McpJobOptions,
): Promise<CallToolResult> {
  const { entry } = submission
  const taskId = submission.handle.id as string
  const revision = taskRevision(pool, entry, submission.handle, options)
  try {
    const final = await followTask(
      {
        model: latencyModelKey(entry.server, entry.tool),
        label: entry.tool,
        taskId,
        submittedAt: submission.submittedAt,
        created: submission.task?.created,
        latencies: options.latencies ?? latenciesOf(pool),
        get: (signal) => revision.get(signal),
      },
      options,
    )
    if (final.expired) {
      await cancelQuietly(revision, entry, taskId, options)
      throw new KamuiError(
        'IMG_003',
        `${entry.tool} task ${taskId} on MCP server "${entry.server}" outlived its ttlMs ` +
          `(${final.ttlMs ?? '?'} ms) without finishing; it was cancelled with tasks/cancel.`,
      )
    }
    return await revision.result(final)
  } catch (error) {
    if (options.signal?.aborted) await cancelQuietly(revision, entry, taskId, options)
    throw error
  }
}

/**
 * Polls a task until it is terminal (`completed`, `failed`, `cancelled`) or needs input, on
 * the schedule of `poll-schedule.ts` (a fixed `pollIntervalMs` replaces it), never sooner
 * after an answer than the server's poll interval; learns the model's latency from tasks it
 * saw created. Calls `onTaskStatus` after every answer. Up to three retryable `tasks/get`
 * failures in a row are tolerated; a progress line is logged at most every 10 s. A task whose
 * latest snapshot has an `expiresAtMs` that passes before the next `tasks/get` is not polled
 * again. The one follower of both task revisions (each passes its own `get`).
 *
 * @returns the last snapshot (terminal, or `input_required`), or, with `expired: true`, the
 *   last one seen before the task outlived its TTL
 * @throws the errors of `get`; the signal's reason
 */
export async function followTask(
  spec: FollowTaskSpec,
  options: McpJobOptions,
): Promise<TaskSnapshot> {
  const { signal, logger } = options
  const learn = spec.submittedAt !== undefined
  const followed = spec.latencies.follow(spec.model, spec.submittedAt ?? performance.now())
  const random = options.random ?? Math.random
  let serverMs = spec.created?.pollIntervalMs
  let latest = spec.created
  let lastCallMs: number | undefined
  let answeredMs: number | undefined
  let failuresInARow = 0
  let lastLog = Date.now()
  try {
    for (;;) {
      // The creation's interval counts from the submit (its answer came about then).
      const poll = { learn, lastCallMs, answeredMs: answeredMs ?? 0, serverMs, random }
      await waitForNextCall(followed, poll, options)
      const expiresAt = latest?.expiresAtMs
      if (latest && expiresAt !== undefined && Date.now() >= expiresAt) {
        return { ...latest, expired: true }
      }
      lastCallMs = followed.elapsedMs()
      let snapshot: TaskSnapshot
      try {
        snapshot = await spec.get(signal)
        failuresInARow = 0
      } catch (error) {
        if (signal?.aborted || !isKamuiError(error) || !error.retryable) throw error
        if (++failuresInARow >= MAX_STATUS_FAILURES_IN_A_ROW) throw error
        serverMs = error.retryAfterMs ?? serverMs
        logger?.warn(
          `${spec.label}: tasks/get of ${spec.taskId} failed (${error.message}); trying again.`,
        )
        continue
      }
      answeredMs = followed.elapsedMs()
      latest = snapshot
      serverMs = snapshot.pollIntervalMs ?? serverMs
      const elapsed = Math.round(answeredMs)
      options.onTaskStatus?.(snapshot.status, snapshot.statusMessage, elapsed)
      if (isTerminalTaskStatus(snapshot.status) || snapshot.status === 'input_required') {
        if (learn && snapshot.status === 'completed') {
          const window = followed.ready(elapsed)
          options.onReady?.(window)
        }
        return snapshot
      }
      followed.notReady(lastCallMs)
      if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
        lastLog = Date.now()
        const message = snapshot.statusMessage ? ` (${snapshot.statusMessage})` : ''
        logger?.info(
          `${spec.label}: task ${spec.taskId} ${snapshot.status}${message}, ${Math.round(elapsed / 1000)} s`,
        )
      }
    }
  } finally {
    followed.close()
  }
}

/** Sends `tasks/cancel` for a job whose signal aborted; failures are logged, never thrown. */
async function cancelQuietly(
  revision: TaskRevision,
  entry: ToolLocation,
  taskId: string,
  options: McpJobOptions,
): Promise<void> {
  try {
    const status = await revision.cancel(TASK_CANCEL_TIMEOUT_MS)
    options.logger?.info(`${entry.tool}: task ${taskId} cancelled (${status}).`)
  } catch (error) {
    options.logger?.warn(
      `${entry.tool}: tasks/cancel of task ${taskId} failed: ${errorMessage(error)}`,
    )
  }
}

function jobHandle(server: string, tools: string[], taskId: string): JobHandle {
  return { provider: 'mcp', server, tools, id: taskId, workflow: null }
}
