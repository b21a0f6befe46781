import type { InputSpec, RawInputs } from '../core/input-spec.js'
import { parseBooleanInput, parseNumberInput } from '../core/parse-input.js'

/** The budget and dry-run inputs of a generating stage, parsed (issue 11). */
export interface BudgetInputs {
  /** `max-cost-usd`: the most this run may spend on model jobs, US dollars; undefined: no cap. */
  maxCostUsd: number | undefined
  /** `dry-run`: plan every job and estimate the cost, call no model. */
  dryRun: boolean
}

/** `max-cost-usd`: the budget of a generating stage (not the legacy v1 action). */
export const MAX_COST_INPUT: InputSpec = {
  name: 'max-cost-usd',
  default: '',
  description:
    'Budget of this run in US dollars (empty: no cap). Before each model job is submitted, the ' +
    'cost of the jobs already billed, the jobs in flight and this job (registry prices) is ' +
    'checked against it; the first job that would exceed it is not submitted and neither is ' +
    'any later one: what was made is kept and the stage ends as a partial success with ' +
    'COST_001 (fails with COST_001 when nothing was made). Jobs reused from the run journal or ' +
    'the cache, and failed jobs, do not count. Under a cap a job of a model without a known ' +
    'price is refused with COST_001 (set `price` in a model-registry file).',
}

/** `dry-run`: plan and estimate without calling a model. */
export const DRY_RUN_INPUT: InputSpec = {
  name: 'dry-run',
  default: 'false',
  description:
    'Plan without generating (true/false): resolve the models, plan every model job, look each ' +
    'up in the run journal and the job cache, write metadata/plan.json (jobs, models, journal or ' +
    'cache status, estimated cost with the prices used, unknown prices named) and print the ' +
    'plan; no model is called. Jobs whose arguments a model writes first (the keyframes of a ' +
    'story) are counted and priced but cannot be looked up; the plan names them.',
}

/**
 * Both inputs, for the stages that plan their jobs ahead (image-generation-v2,
 * video-generation, pointcloud-generation, keyframes).
 */
export const BUDGET_INPUTS: readonly InputSpec[] = [MAX_COST_INPUT, DRY_RUN_INPUT]

/**
 * Parses `max-cost-usd` and `dry-run`.
 *
 * @throws KamuiError CFG_001 for a `max-cost-usd` that is not a number from 0 to 1 000 000, or
 *   a `dry-run` that is not true / false
 */
export function parseBudgetInputs(r: RawInputs): BudgetInputs {
  return { maxCostUsd: parseMaxCost(r), dryRun: parseBooleanInput(r, 'dry-run') }
}

/**
 * Parses `max-cost-usd` alone (stages without a dry run): US dollars, or undefined when empty.
 *
 * @throws KamuiError CFG_001 for a value that is not a number from 0 to 1 000 000
 */
export function parseMaxCost(r: RawInputs): number | undefined {
  const cap = (r['max-cost-usd'] ?? '').trim()
  return cap === '' ? undefined : parseNumberInput(r, 'max-cost-usd', 0, 1_000_000, false)
}
