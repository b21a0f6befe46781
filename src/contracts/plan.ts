import { z } from 'zod'
import { PriceSchema, PriceUsedSchema } from './cost.js'

/**
 * The dry-run plan (issue 11, input `dry-run`): `{folder}/metadata/plan.json`, written by a
 * stage that plans every model job and calls none. Each job is looked up in the folder's run
 * journal (and the job cache when the stage has one), and priced with the registry: its
 * estimated cost is what the real run that follows would be billed for it — 0 for a job the
 * journal or the cache answers, null when the model's price (or the job's units) is unknown.
 */

/** Version of this contract. */
export const PLAN_SCHEMA_VERSION = 1

/** Relative path of the plan inside a stage folder. */
export const PLAN_FILE = 'metadata/plan.json'

/**
 * Where a planned job stands:
 * - `new`: never submitted: the real run submits it (billed);
 * - `journal-complete`: completed by an earlier run and its output file is present with the
 *   journalled sha256: reused, no model call;
 * - `journal-submitted`: submitted by an earlier run, no result yet: followed with its stored
 *   handle, no new submit (submitted again only when the handle has expired);
 * - `cached`: the job cache holds its result: no model call.
 */
export const PLANNED_JOB_STATUSES = [
  'new',
  'journal-complete',
  'journal-submitted',
  'cached',
] as const

export const PlannedJobSchema = z.object({
  /** The job key (sha256 hex) of the run journal. */
  key: z.string().regex(/^[0-9a-f]{64}$/),
  /** The runner's label of the job (the model label: `imagen4-fast`, `preview:flux-schnell`). */
  label: z.string(),
  /** The model priced: its registry alias, or the label when no registry entry matches it. */
  model: z.string(),
  /** What the job makes. */
  kind: z.enum(['image', 'video', 'depth', 'text']),
  provider: z.enum(['mcp', 'comfyui']),
  /** MCP tools (`[tool]` or the triple) or the ComfyUI workflow template. */
  tools: z.array(z.string()),
  workflow: z.string().nullable(),
  /** A short summary of the arguments sent (scalars only; long strings cut to 80 characters). */
  args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  status: z.enum(PLANNED_JOB_STATUSES),
  /** The model's price used, or null when unknown. */
  price: PriceSchema.nullable(),
  /** `price.per` units the job makes (images, seconds, megapixels, 1 call), or null. */
  units: z.number().nonnegative().nullable(),
  /**
   * What the real run would be billed for it, US dollars: 0 unless `new` (and within the
   * budget); null when the price or the units are unknown.
   */
  estimated_usd: z.number().nonnegative().nullable(),
  /** False when `max-cost-usd` would stop the real run before this job (COST_001). */
  within_budget: z.boolean(),
})
export type PlannedJob = z.infer<typeof PlannedJobSchema>

/**
 * Jobs the real run will submit whose job keys cannot be known before a model answers: their
 * arguments are written by an earlier job (the keyframes stage composes and renders frames from
 * the story a text model writes). They are counted and priced as new jobs, but cannot be looked
 * up in the journal or the cache (a hit there makes the real run cheaper) and are not passed
 * through `max-cost-usd` (the cap may stop the real run before some of them).
 */
export const UnkeyedJobSchema = z.object({
  /** What the jobs are (`frame renders`, `storyboard`). */
  label: z.string(),
  /** The model priced: its registry alias, or its label when no registry entry matches it. */
  model: z.string(),
  kind: z.enum(['image', 'video', 'depth', 'text']),
  /** How many the real run submits at most; null when that is unknown too. */
  count: z.number().int().nonnegative().nullable(),
  /** Why the keys cannot be known (the job whose answer they need). */
  depends_on: z.string(),
  /** The model's price used, or null when unknown. */
  price: PriceSchema.nullable(),
  /** `count` × the price of one job, as if none were reused; null when either is unknown. */
  estimated_usd: z.number().nonnegative().nullable(),
})
export type UnkeyedJob = z.infer<typeof UnkeyedJobSchema>

export const PlanSchema = z.object({
  schema_version: z.literal(PLAN_SCHEMA_VERSION),
  stage: z.string(),
  /** ISO 8601. */
  created_at: z.iso.datetime({ offset: true }),
  max_cost_usd: z.number().nonnegative().nullable(),
  jobs: z.array(PlannedJobSchema),
  totals: z.object({
    jobs: z.number().int().nonnegative(),
    new: z.number().int().nonnegative(),
    journal_complete: z.number().int().nonnegative(),
    journal_submitted: z.number().int().nonnegative(),
    cached: z.number().int().nonnegative(),
    /** Jobs `max-cost-usd` would refuse (COST_001). */
    over_budget: z.number().int().nonnegative(),
    /** Sum of the priced estimates, US dollars. */
    estimated_usd: z.number().nonnegative(),
    /** False when a job the real run would submit has no known price (not in the sum). */
    complete: z.boolean(),
    unknown_price_models: z.array(z.string()),
    /** Jobs in `unkeyed` (their count summed; absent in plans without unkeyed jobs). */
    unkeyed_jobs: z.number().int().nonnegative().optional(),
    /**
     * Sum of the `unkeyed` estimates, US dollars (not in `estimated_usd`); null when one of
     * them is unknown. Absent in plans without unkeyed jobs.
     */
    unkeyed_estimated_usd: z.number().nonnegative().nullable().optional(),
  }),
  prices: z.array(PriceUsedSchema),
  /**
   * Jobs whose keys cannot be known before a model answers (see {@link UnkeyedJobSchema});
   * absent when every job is keyed. Added in the same schema version: readers of version 1
   * that do not know it see the keyed jobs, which are all `jobs` ever held.
   */
  unkeyed: z.array(UnkeyedJobSchema).optional(),
  /** What the plan cannot know (regenerations decided by scores, fallbacks, prepared prompts). */
  notes: z.array(z.string()),
})
export type Plan = z.infer<typeof PlanSchema>
