import type { Logger } from '../core/logger.js'
import { markdownCell } from '../core/markdown.js'
import {
  PLAN_SCHEMA_VERSION,
  PlanSchema,
  type Plan,
  type PlannedJob,
  type UnkeyedJob,
} from '../contracts/plan.js'
import type { PriceUsed } from '../contracts/cost.js'
import { describePrice, roundUsd } from '../models/price.js'
import type { ModelJob } from '../providers/kinds/job.js'
import { Budget, type PricedJob } from './budget.js'
import { jobKey } from './journal-key.js'
import type { RunJournal } from './journal.js'

/** One job a stage would run, and what it makes. */
export interface JobToPlan {
  job: ModelJob
  kind: PlannedJob['kind']
}

export type { UnkeyedJob }

/** What {@link planJobs} looks jobs up in and prices them with. */
export interface PlanSources {
  /** The stage folder's run journal (read only: the plan writes no line). */
  journal: RunJournal | undefined
  /** Whether the job cache holds a usable result of a job key; absent: no cache. */
  cached?: (key: string) => Promise<boolean>
  /** The run's budget: its pricer and its cap (the plan reserves nothing on it). */
  budget: Budget
}

/**
 * Plans `jobs` as the job runner would run them, calling no model (issue 11, dry run): each
 * job's key is looked up in the same order as the runner (`journal-run.ts`): a journalled job
 * whose output file is present with its sha256 → `journal-complete`; a job the cache holds →
 * `cached`; a job submitted by an earlier run and not failed → `journal-submitted` (followed by
 * its handle, no new submit); anything else → `new`. The `new` jobs are priced with the
 * registry and passed in order through a fresh budget with the run's cap, exactly as the runner
 * would reserve them, so a job the cap would refuse is `within_budget: false` and not in the
 * estimate. `unkeyed` jobs (priced by the stage) are listed as they are, with their totals.
 */
export async function planJobs(
  stage: string,
  jobs: readonly JobToPlan[],
  sources: PlanSources,
  notes: string[] = [],
  unkeyed: readonly UnkeyedJob[] = [],
): Promise<Plan> {
  const { budget } = sources
  const simulated = new Budget(budget.maxCostUsd, (job) => budget.estimate(job))
  const planned: PlannedJob[] = []
  const prices = new Map<string, PriceUsed['price']>()
  for (const { job, kind } of jobs) {
    const key = jobKey(job)
    const status = await statusOf(key, sources)
    const priced = budget.estimate(job)
    prices.set(priced.model, priced.cost.price)
    let within = true
    if (status === 'new') {
      try {
        simulated.reserve(job).settle(true)
      } catch {
        within = false
      }
    }
    planned.push(plannedJob(key, job, kind, status, priced, within))
  }
  return PlanSchema.parse({
    schema_version: PLAN_SCHEMA_VERSION,
    stage,
    created_at: new Date().toISOString(),
    max_cost_usd: budget.maxCostUsd ?? null,
    jobs: planned,
    totals: { ...totalsOf(planned), ...unkeyedTotals(unkeyed) },
    prices: [...prices.entries(), ...unkeyed.map((u) => [u.model, u.price] as const)]
      .filter(([model], i, all) => all.findIndex(([m]) => m === model) === i)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, price]) => ({ model, price })),
    ...(unkeyed.length > 0 ? { unkeyed: [...unkeyed] } : {}),
    notes,
  })
}

function unkeyedTotals(
  unkeyed: readonly UnkeyedJob[],
): Pick<Plan['totals'], 'unkeyed_jobs' | 'unkeyed_estimated_usd'> {
  if (unkeyed.length === 0) return {}
  const known = unkeyed.every((u) => u.estimated_usd !== null)
  return {
    unkeyed_jobs: unkeyed.reduce((sum, u) => sum + (u.count ?? 0), 0),
    unkeyed_estimated_usd: known
      ? roundUsd(unkeyed.reduce((sum, u) => sum + (u.estimated_usd ?? 0), 0))
      : null,
  }
}

async function statusOf(key: string, sources: PlanSources): Promise<PlannedJob['status']> {
  const { journal } = sources
  if (journal?.resume && (await journal.reusable(key))) return 'journal-complete'
  if (await sources.cached?.(key)) return 'cached'
  const stored = journal?.resume ? journal.state(key) : undefined
  if (stored?.submitted?.id && !stored.failed && !stored.output) return 'journal-submitted'
  return 'new'
}

function plannedJob(
  key: string,
  job: ModelJob,
  kind: PlannedJob['kind'],
  status: PlannedJob['status'],
  priced: PricedJob,
  within: boolean,
): PlannedJob {
  const billed = status === 'new' && within
  return {
    key,
    label: job.label,
    model: priced.model,
    kind,
    provider: job.provider,
    tools:
      job.provider === 'mcp'
        ? job.call.type === 'sync'
          ? [job.call.tool]
          : [job.call.submit, job.call.status, job.call.result]
        : [],
    workflow: job.provider === 'comfyui' ? job.template : null,
    args: argsSummary(job.provider === 'mcp' ? job.args : { ...job.params }),
    status,
    price: priced.cost.price,
    units: priced.cost.units,
    estimated_usd: billed ? priced.cost.usd : 0,
    within_budget: within,
  }
}

/** Scalar arguments (strings cut to 80 characters); arrays and objects as their size. */
function argsSummary(args: Record<string, unknown>): PlannedJob['args'] {
  const out: PlannedJob['args'] = {}
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue
    if (typeof value === 'string') out[name] = value.length > 80 ? `${value.slice(0, 79)}…` : value
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null)
      out[name] = value
    else if (Array.isArray(value) || value instanceof Uint8Array)
      out[name] = `[${value.length} item(s)]`
    else out[name] = '[object]'
  }
  return out
}

function totalsOf(jobs: readonly PlannedJob[]): Plan['totals'] {
  const count = (status: PlannedJob['status']): number =>
    jobs.filter((j) => j.status === status).length
  const submitted = jobs.filter((j) => j.status === 'new' && j.within_budget)
  const unknown = submitted.filter((j) => j.estimated_usd === null)
  return {
    jobs: jobs.length,
    new: count('new'),
    journal_complete: count('journal-complete'),
    journal_submitted: count('journal-submitted'),
    cached: count('cached'),
    over_budget: jobs.filter((j) => !j.within_budget).length,
    estimated_usd: roundUsd(submitted.reduce((sum, j) => sum + (j.estimated_usd ?? 0), 0)),
    complete: unknown.length === 0,
    unknown_price_models: [...new Set(unknown.map((j) => j.model))].sort(),
  }
}

/** The plan as a Markdown table with its totals (the dry run prints it and puts it in the summary). */
export function planTable(plan: Plan): string {
  const rows = plan.jobs.map(
    (j, i) =>
      `| ${i + 1} | ${markdownCell(j.label)} | ${j.kind} | ${j.status}${j.within_budget ? '' : ' (over budget)'} | ` +
      `${markdownCell(describePrice(j.price))} | ${j.estimated_usd === null ? 'unknown' : `$${j.estimated_usd}`} |`,
  )
  const t = plan.totals
  const unkeyed = (plan.unkeyed ?? []).map(
    (u) =>
      `| – | ${markdownCell(u.label)} (${markdownCell(u.model)}) | ${u.kind} | ` +
      `${u.count ?? 'unknown number of'} job(s), key unknown until ${markdownCell(u.depends_on)} | ` +
      `${markdownCell(describePrice(u.price))} | ${u.estimated_usd === null ? 'unknown' : `$${u.estimated_usd}`} |`,
  )
  const unkeyedSentence =
    unkeyed.length === 0
      ? ''
      : ` Not in that estimate: ${t.unkeyed_jobs ?? 0} job(s) whose keys depend on a model's answer, ` +
        `${t.unkeyed_estimated_usd == null ? 'cost unknown' : `$${t.unkeyed_estimated_usd} if none is reused`}.`
  return [
    `Dry run of ${plan.stage}: ${t.jobs} job(s), ${t.new} new, ${t.journal_complete} complete in the journal, ` +
      `${t.journal_submitted} submitted earlier, ${t.cached} cached, ${t.over_budget} over max-cost-usd. ` +
      `Estimated cost $${t.estimated_usd}${t.complete ? '' : ` plus jobs of models without a price (${t.unknown_price_models.join(', ')})`}.${unkeyedSentence} No model was called.`,
    '',
    '| # | job | kind | status | price | estimate |',
    '|---|---|---|---|---|---|',
    ...rows,
    ...unkeyed,
  ].join('\n')
}

/** Logs the plan table line by line. */
export function logPlan(plan: Plan, logger: Logger): void {
  for (const line of planTable(plan).split('\n')) logger.info(line)
}
