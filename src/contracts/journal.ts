import { z } from 'zod'

/**
 * The run journal contract (SPEC §9, issue 11): `{folder}/metadata/journal.jsonl`, one JSON
 * object per line, appended and fsynced by the job runner (`src/runner/journal.ts`) before it
 * takes the next step of a job, and checked by `kamui verify-telemetry` when present.
 *
 * Every line carries `v` (this contract's version), `event`, `at` (ISO 8601 timestamp) and,
 * except `run`, the job's `key`: the sha256 (hex) of the canonical JSON of provider, model,
 * tool or workflow and the arguments actually sent (`jobKey`, `src/runner/journal-key.ts`).
 *
 * Events, in the order a job writes them:
 * - `run`: a stage run opened the journal; `request` is the sha256 of the stage's request
 *   without seed, `seed` the base seed the run used (reused by a re-run of the same request).
 * - `planned`: the job is about to be submitted (model label, provider, tools or workflow).
 * - `submitted`: the durable handle exists (MCP `request_id`, or an MCP task id with its
 *   protocol revision in `task`, ComfyUI `prompt_id`, server, tools); written BEFORE the
 *   runner waits on the job. `resumed: true` when a re-run
 *   re-attached to the handle of an earlier run instead of submitting.
 * - `completed`: the job's result (media URLs, sha256 of inline media bytes, timings).
 * - `output`: a stage wrote a file of the job's result (path relative to the folder, sha256
 *   and size of the bytes written): what a re-run checks before it reuses the job.
 * - `failed`: error code and message; `billed` true / false when the provider says, else null.
 * - `cost`: the job's price in US dollars, null when unknown (never 0 for unknown).
 * - `reused`: a run answered the job without a model call, from the folder's journal (an
 *   output file present with its journalled sha256) or from the content-addressed cache;
 *   read by the ledger across runs (`kamui stats`) as a saving.
 */

/** Version of this contract. */
export const JOURNAL_SCHEMA_VERSION = 1

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex')
const Timestamp = z.iso.datetime({ offset: true })
const base = { v: z.literal(JOURNAL_SCHEMA_VERSION), at: Timestamp }
const job = { ...base, key: Sha256 }

/** The durable handle of a submitted job (`JobHandle` of the runner). */
export const JournalHandleSchema = z.object({
  provider: z.enum(['mcp', 'comfyui']),
  server: z.string(),
  tools: z.array(z.string()),
  id: z.string().nullable(),
  workflow: z.string().nullable(),
  /**
   * Set when `id` is an MCP task id: the task protocol revision, `2025-11-25` (tasks of the
   * base protocol) or `2026-07-28` (the `io.modelcontextprotocol/tasks` extension); a resume
   * follows the task with that revision's `tasks/get`.
   */
  task: z.enum(['2025-11-25', '2026-07-28']).optional(),
})

export const JournalRunSchema = z.object({
  ...base,
  event: z.literal('run'),
  stage: z.string(),
  request: Sha256,
  seed: z.number().int().nullable(),
})

export const JournalPlannedSchema = z.object({
  ...job,
  event: z.literal('planned'),
  label: z.string(),
  provider: z.enum(['mcp', 'comfyui']),
  /** MCP tools (`[tool]` or `[submit, status, result]`) or `[]` for ComfyUI. */
  tools: z.array(z.string()),
  workflow: z.string().nullable(),
})

export const JournalSubmittedSchema = z.object({
  ...job,
  event: z.literal('submitted'),
  handle: JournalHandleSchema,
  resumed: z.boolean(),
})

export const JournalCompletedSchema = z.object({
  ...job,
  event: z.literal('completed'),
  handle: JournalHandleSchema,
  urls: z.array(z.string()),
  /** sha256 of media that came inline (ComfyUI outputs, base64 content), in result order. */
  media_sha256: z.array(Sha256),
  generation_ms: z.number().int().nonnegative(),
  download_ms: z.number().int().nonnegative().nullable(),
  /**
   * When the job became ready at its server, ms after its submit: after the last status call
   * that found it not ready, and by the answer that found it completed. Only for a followed job
   * submitted in the same run (an MCP triple or task); later runs of the folder seed their
   * latency estimates with it (`model-latency.ts`). Optional: absent in older journals.
   */
  ready_after_ms: z.number().int().nonnegative().optional(),
  ready_by_ms: z.number().int().nonnegative().optional(),
})

export const JournalOutputSchema = z.object({
  ...job,
  event: z.literal('output'),
  /** Path relative to the stage folder, `/`-separated. */
  file: z.string().min(1),
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
})

export const JournalFailedSchema = z.object({
  ...job,
  event: z.literal('failed'),
  code: z.string(),
  message: z.string(),
  billed: z.boolean().nullable(),
})

export const JournalCostSchema = z.object({
  ...job,
  event: z.literal('cost'),
  usd: z.number().nonnegative().nullable(),
})

export const JournalReusedSchema = z.object({
  ...job,
  event: z.literal('reused'),
  /** `journal`: the folder's own output file; `cache`: the content-addressed cache. */
  source: z.enum(['journal', 'cache']),
})

/** Any journal line. */
export const JournalLineSchema = z.discriminatedUnion('event', [
  JournalRunSchema,
  JournalPlannedSchema,
  JournalSubmittedSchema,
  JournalCompletedSchema,
  JournalOutputSchema,
  JournalFailedSchema,
  JournalCostSchema,
  JournalReusedSchema,
])

export type JournalHandle = z.infer<typeof JournalHandleSchema>
export type JournalLine = z.infer<typeof JournalLineSchema>
export type JournalRunLine = z.infer<typeof JournalRunSchema>
export type JournalCompletedLine = z.infer<typeof JournalCompletedSchema>
export type JournalOutputLine = z.infer<typeof JournalOutputSchema>

/** Relative path of the journal inside a stage folder. */
export const JOURNAL_FILE = 'metadata/journal.jsonl'
