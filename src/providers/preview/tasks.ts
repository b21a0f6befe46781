import type {
  CreateTaskOptions,
  CreateTaskRequestHandlerExtra,
  TaskRequestHandlerExtra,
  TaskStore,
  ToolTaskHandler,
} from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js'
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js'
import type { McpServer, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { ShapeOutput, ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js'
import type {
  CallToolResult,
  Request,
  RequestId,
  Result,
  ServerCapabilities,
  Task,
} from '@modelcontextprotocol/sdk/types.js'
import { errorMessage } from '../../core/errors.js'
import { toolError } from './result.js'

/**
 * The preview server's MCP tasks (protocol revision 2025-11-25, through the SDK's
 * `server.experimental.tasks.registerToolTask`): in tasks mode its image, video and depth tools
 * declare `execution.taskSupport: "optional"`. A `tools/call` with `params.task` answers at once
 * with a `CreateTaskResult` (status `working`, `pollInterval`); the work runs in the
 * background with the status messages `queued` (during the simulated latency), then the
 * tool's own (`rendering`, …), and progress notifications of the creating call (stages done
 * of 2: the latency, the work) when it asked for them; `tasks/get`, `tasks/result`,
 * `tasks/list` and `tasks/cancel` are the SDK's. A plain call (no `task`) is answered by the SDK's automatic polling: the final
 * result, as a plain tool would. Tasks outlive the session that created them (the store
 * ignores session ids), so a re-run of the suite re-attaches to them by id.
 */

/** The task protocol revisions the preview server can speak (the switch of `main.ts`). */
export const PREVIEW_TASK_REVISIONS = ['2025-11-25'] as const
export type PreviewTaskRevision = (typeof PREVIEW_TASK_REVISIONS)[number]

/** Tasks mode of the preview server. */
export interface PreviewTaskOptions {
  revision: PreviewTaskRevision
  /**
   * Where tasks live (default: a new {@link SharedTaskStore}); share one between the servers
   * of several sessions (Streamable HTTP) so a new session finds the tasks of an earlier one.
   */
  store?: TaskStore
  /** The `pollInterval` the tasks suggest, ms (default 100: a local process). */
  pollIntervalMs?: number
  /** How long a task is kept, ms (default 3 600 000). */
  ttlMs?: number
}

/** Reports a status message of a running task (`rendering frames`, …). */
export type TaskStatusReporter = (message: string) => Promise<void>

/**
 * A task store shared by every session: the SDK's {@link InMemoryTaskStore} with session ids
 * ignored (the preview server has no authorisation context to bind tasks to).
 */
export class SharedTaskStore implements TaskStore {
  private readonly store = new InMemoryTaskStore()

  createTask(params: CreateTaskOptions, requestId: RequestId, request: Request): Promise<Task> {
    return this.store.createTask(params, requestId, request)
  }
  getTask(taskId: string): Promise<Task | null> {
    return this.store.getTask(taskId)
  }
  storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result): Promise<void> {
    return this.store.storeTaskResult(taskId, status, result)
  }
  getTaskResult(taskId: string): Promise<Result> {
    return this.store.getTaskResult(taskId)
  }
  updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void> {
    return this.store.updateTaskStatus(taskId, status, statusMessage)
  }
  listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    return this.store.listTasks(cursor)
  }
  /** Forgets every task and stops the expiry timers. */
  cleanup(): void {
    this.store.cleanup()
  }
}

/** The server capabilities of tasks mode: task-augmented `tools/call`, `tasks/list`, `tasks/cancel`. */
export function previewTaskCapabilities(): ServerCapabilities {
  return { tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } }
}

/** A preview tool as {@link registerPreviewTool} registers it. */
export interface PreviewToolSpec<Shape extends ZodRawShapeCompat> {
  name: string
  title: string
  description: string
  inputSchema: Shape
  /**
   * How long a task stays `queued` before `run` starts, ms (default 0; the hosted latency that
   * the submit tools simulate).
   */
  latencyMs?: number
  /** The tool's work; its `isError` result fails the task. */
  run: (args: ShapeOutput<Shape>, status: TaskStatusReporter) => Promise<CallToolResult>
}

/** Tasks mode with its store chosen (see {@link resolvePreviewTasks}). */
export interface PreviewTasks extends PreviewTaskOptions {
  store: TaskStore
}

/** `options` with its store (a new {@link SharedTaskStore} when none is given); undefined stays. */
export function resolvePreviewTasks(
  options: PreviewTaskOptions | undefined,
): PreviewTasks | undefined {
  return options ? { ...options, store: options.store ?? new SharedTaskStore() } : undefined
}

/**
 * Registers a preview tool: a plain tool without `tasks`, else a task tool
 * (`taskSupport: "optional"`) whose tasks run `spec.run` in the background.
 */
export function registerPreviewTool<Shape extends ZodRawShapeCompat>(
  server: McpServer,
  tasks: PreviewTasks | undefined,
  spec: PreviewToolSpec<Shape>,
): void {
  const config = { title: spec.title, description: spec.description, inputSchema: spec.inputSchema }
  // The SDK's callback types are conditional on the shape, which TypeScript cannot resolve for
  // a generic one: the callbacks are written against the resolved form and cast once.
  if (!tasks) {
    const callback = ((args: ShapeOutput<Shape>) =>
      spec.run(args, () => Promise.resolve())) as unknown as ToolCallback<Shape>
    server.registerTool(spec.name, config, callback)
    return
  }
  const { store } = tasks
  const handler = {
    createTask: async (args: ShapeOutput<Shape>, extra: CreateTaskRequestHandlerExtra) => {
      const task = await extra.taskStore.createTask({
        ttl: tasks.ttlMs ?? 3_600_000,
        pollInterval: tasks.pollIntervalMs ?? 100,
      })
      void runTask(store, task.taskId, spec, args, progressOf(extra))
      return { task }
    },
    getTask: (_args: ShapeOutput<Shape>, extra: TaskRequestHandlerExtra) =>
      extra.taskStore.getTask(extra.taskId),
    getTaskResult: async (_args: ShapeOutput<Shape>, extra: TaskRequestHandlerExtra) =>
      (await extra.taskStore.getTaskResult(extra.taskId)) as CallToolResult,
  } as unknown as ToolTaskHandler<Shape>
  server.experimental.tasks.registerToolTask(
    spec.name,
    { ...config, execution: { taskSupport: 'optional' } },
    handler,
  )
}

/**
 * Runs one task in the background: `queued` for the latency, then the tool's work; stores its
 * result (`completed`, or `failed` with the error as status message). A task cancelled
 * meanwhile is left as it is (its work is skipped when it had not started, its result dropped).
 */
async function runTask<Shape extends ZodRawShapeCompat>(
  store: TaskStore,
  taskId: string,
  spec: PreviewToolSpec<Shape>,
  args: ShapeOutput<Shape>,
  progress: StageProgress,
): Promise<void> {
  const stillWorking = async (): Promise<boolean> =>
    (await store.getTask(taskId))?.status === 'working'
  const status: TaskStatusReporter = async (message) => {
    if (await stillWorking()) await store.updateTaskStatus(taskId, 'working', message)
  }
  try {
    await status('queued')
    await progress(0, 'queued')
    if ((spec.latencyMs ?? 0) > 0) await delay(spec.latencyMs ?? 0)
    if (!(await stillWorking())) return
    await progress(1, 'started')
    let result: CallToolResult
    try {
      result = await spec.run(args, status)
    } catch (error) {
      result = toolError(`${spec.title} failed: ${errorMessage(error)}`)
    }
    if (!(await stillWorking())) return
    if (result.isError) await status(errorText(result))
    else await progress(2, 'finished')
    await store.storeTaskResult(taskId, result.isError ? 'failed' : 'completed', result)
  } catch {
    // The task was cancelled or expired between two checks: nothing is left to report to.
  }
}

/** Reports how many of a task's two stages (waiting, working) are done, with a word. */
type StageProgress = (done: 0 | 1 | 2, message: string) => Promise<void>

/**
 * `notifications/progress` of the creating `tools/call` (when it asked for them with a
 * `progressToken`): stages done of 2 (waiting out the latency, the work). Best effort: a
 * notification that cannot be sent (the client is gone) is dropped.
 */
function progressOf(extra: CreateTaskRequestHandlerExtra): StageProgress {
  const token = extra._meta?.progressToken
  return async (done, message) => {
    if (token === undefined) return
    await extra
      .sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: done, total: 2, message },
      })
      .catch(() => undefined)
  }
}

function errorText(result: CallToolResult): string {
  const texts = result.content.flatMap((c) => (c.type === 'text' ? [c.text] : []))
  return texts.join(' ').slice(0, 500) || 'failed'
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.())
}
