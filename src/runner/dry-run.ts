import path from 'node:path'
import type { Logger } from '../core/logger.js'
import type { Redactor } from '../core/redactor.js'
import { writeRedactedJson } from '../core/redacted-json.js'
import { PLAN_FILE, type Plan } from '../contracts/plan.js'
import type { Budget } from './budget.js'
import { lookupCachedJob } from './job-cache.js'
import { logPlan, planJobs, type JobToPlan, type UnkeyedJob } from './job-plan.js'
import type { RunJournal } from './journal.js'

/**
 * The stage-independent part of a dry run (issue 11, input `dry-run`): the jobs a stage would
 * run are planned against its model services' journal, budget and job cache, and the plan is
 * written to `{folder}/metadata/plan.json` and logged as a table. Each stage builds its jobs
 * (exactly as its real run would, see `JobRecorder`); this module does the rest.
 */

/** What a plan looks jobs up in: the stage's model services (`ModelServices`) fit it. */
export interface PlanServices {
  journal: RunJournal | undefined
  budget: Budget
}

/** The job cache of the run: absolute folder (null: off) and time to live, ms (0: off). */
export interface PlanCache {
  folder: string | null
  ttlMs: number
}

/** What {@link planStageJobs} adds to the keyed jobs. */
export interface PlanExtras {
  /** What the plan cannot know, in sentences. */
  notes?: string[]
  /** Jobs whose keys cannot be known before a model answers (see `UnkeyedJob`). */
  unkeyed?: UnkeyedJob[]
}

/**
 * Plans `jobs` of `stage` with {@link planJobs}: each looked up in the run journal and the job
 * cache, priced and passed through the run's cap. Calls no model and writes nothing.
 */
export function planStageJobs(
  stage: string,
  jobs: readonly JobToPlan[],
  services: PlanServices,
  cache: PlanCache | undefined,
  extras: PlanExtras = {},
): Promise<Plan> {
  const folder = cache && cache.ttlMs > 0 ? cache.folder : null
  return planJobs(
    stage,
    jobs,
    {
      journal: services.journal,
      budget: services.budget,
      cached: async (key) =>
        (await lookupCachedJob(folder, key, { ttlMs: cache?.ttlMs ?? 0 })) !== undefined,
    },
    extras.notes ?? [],
    extras.unkeyed ?? [],
  )
}

/**
 * Writes `plan` to `{folder}/metadata/plan.json` (secrets masked) and logs its table.
 *
 * @returns the absolute path written
 * @throws KamuiError IMG_005 disk full, FS_002 other write errors
 */
export async function writePlan(
  folder: string,
  plan: Plan,
  context: { logger: Logger; redactor: Redactor },
): Promise<string> {
  const planPath = path.join(folder, PLAN_FILE)
  await writeRedactedJson(planPath, plan, context.redactor)
  logPlan(plan, context.logger)
  return planPath
}

/** What a stage's dry run returns. */
export interface DryRunResult {
  /** Absolute path of the stage folder. */
  folder: string
  plan: Plan
  /** Absolute path of `metadata/plan.json`. */
  planPath: string
}
