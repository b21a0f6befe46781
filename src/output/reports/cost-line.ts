import type { CostSummary } from '../../contracts/cost.js'
import { markdownCell } from '../../core/markdown.js'

/**
 * The cost line of a job summary (issue 16 §3), from a report's `cost` block (`CostSummary`):
 * `Cost: estimated $0.10, actual $0.08 (budget $0.50)`; "not measured" for what the report does
 * not hold; an incomplete actual names the models of unknown price.
 */
export function costLine(cost: CostSummary | undefined): string {
  if (!cost) return '**Cost:** not measured (this run kept no cost record).'
  const estimated = cost.estimated_usd === null ? 'not measured' : usd(cost.estimated_usd)
  const actual = cost.complete
    ? usd(cost.actual_usd)
    : `${usd(cost.actual_usd)} for the priced jobs; ${cost.unpriced_jobs} job(s) of unknown price ` +
      `(${cost.unknown_price_models.map(markdownCell).join(', ') || 'unnamed'}) not measured`
  const budget = cost.max_cost_usd === null ? '' : ` · budget ${usd(cost.max_cost_usd)}`
  const refused = cost.refused_jobs ? ` · ${cost.refused_jobs} job(s) not submitted (COST_001)` : ''
  return `**Cost:** estimated ${estimated} · actual ${actual}${budget}${refused}.`
}

function usd(value: number): string {
  return `$${value.toFixed(value > 0 && value < 0.01 ? 4 : 2)}`
}
