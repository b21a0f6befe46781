import { z } from 'zod'

/**
 * The messages of MCP revision 2026-07-28 and of its tasks extension
 * (`io.modelcontextprotocol/tasks`) that this suite sends or reads, as zod schemas: the
 * TypeScript SDK (1.32, and 2.0) implements neither (issue 12 §3), so these are the typed layer
 * on top of its `Protocol`.
 *
 * Sources: the extension's specification, `specification/draft/tasks.md` of
 * github.com/modelcontextprotocol/ext-tasks (Task, CreateTaskResult, tasks/get, tasks/cancel,
 * `resultType`, error -32021), and its vendored base schema `schema/draft/spec.types.ts`
 * (`server/discover`, the per-request `_meta` keys, errors -32020 / -32022); summarised in
 * `shared/reference/durable-jobs.md` §1.2.
 */

/** The protocol revision whose requests carry their version and capabilities in `_meta`. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28'

/** The identifier of the tasks extension, a key of `capabilities.extensions`. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks'

/** `_meta` keys every 2026-07-28 request carries. */
export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion'
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo'
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities'

/** JSON-RPC error codes of the 2026-07-28 revision. */
export const HEADER_MISMATCH = -32020
export const MISSING_REQUIRED_CLIENT_CAPABILITY = -32021
export const UNSUPPORTED_PROTOCOL_VERSION = -32022

/** The result of `server/discover`: supported versions and the server's capabilities. */
export const DiscoverResultSchema = z
  .object({
    supportedVersions: z.array(z.string()),
    capabilities: z
      .object({
        tools: z.object({}).loose().optional(),
        extensions: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
    instructions: z.string().optional(),
  })
  .loose()
export type DiscoverResult = z.infer<typeof DiscoverResultSchema>

/** Task statuses; `completed`, `failed` and `cancelled` are terminal. */
export const TaskStatusSchema = z.enum([
  'working',
  'input_required',
  'completed',
  'failed',
  'cancelled',
])
export type TaskStatus = z.infer<typeof TaskStatusSchema>

/**
 * A task's operational metadata. `ttlMs`: lifetime from `createdAt` in ms, `null` for
 * unlimited (the server may discard the task after it); `pollIntervalMs`: the interval the
 * client should not poll faster than, ms. Both may change over the task's life.
 */
export const TaskSchema = z
  .object({
    taskId: z.string().min(1),
    status: TaskStatusSchema,
    statusMessage: z.string().optional(),
    createdAt: z.string(),
    lastUpdatedAt: z.string(),
    ttlMs: z.number().int().nonnegative().nullable(),
    pollIntervalMs: z.number().int().positive().optional(),
  })
  .loose()
export type Task = z.infer<typeof TaskSchema>

/** A `tools/call` answered with a task handle instead of its result (`resultType: "task"`). */
export const CreateTaskResultSchema = TaskSchema.extend({ resultType: z.literal('task') })
export type CreateTaskResult = z.infer<typeof CreateTaskResultSchema>

/** The JSON-RPC error a `failed` task carries. */
export const TaskErrorSchema = z
  .object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() })
  .loose()

/**
 * The answer of `tasks/get`: the task with its status-specific payload inlined (`result` when
 * completed, `error` when failed, `inputRequests` when input is required).
 */
export const DetailedTaskSchema = TaskSchema.extend({
  result: z.record(z.string(), z.unknown()).optional(),
  error: TaskErrorSchema.optional(),
  inputRequests: z.record(z.string(), z.unknown()).optional(),
})
export type DetailedTask = z.infer<typeof DetailedTaskSchema>

/** An empty acknowledgement (`tasks/cancel`, `tasks/update`). */
export const AckResultSchema = z.object({}).loose()

/** Whether a `tools/call` answer is a task handle rather than the tool's result. */
export function isCreateTaskResult(value: unknown): value is CreateTaskResult {
  return CreateTaskResultSchema.safeParse(value).success
}

/** Whether `status` is terminal. */
export function isTerminal(status: TaskStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}
