import type { CostSummary } from '../../contracts/cost.js'

/**
 * The cost of a merged run from its shards' cost summaries (issue 11's `cost` of a report):
 * US dollars and job counts added up, prices and unknown-price models joined. Each shard ran
 * under the same `max-cost-usd` as its own cap, which is kept as it was. The estimate is null
 * when any shard's is; the result is undefined when any shard has no summary (it cannot be
 * told what that shard spent).
 */
export function mergeCostSummaries(
  costs: readonly (CostSummary | undefined)[],
): CostSummary | undefined {
  if (costs.length === 0 || costs.some((c) => c === undefined)) return undefined
  const all = costs as readonly CostSummary[]
  const sum = (pick: (c: CostSummary) => number): number => all.reduce((s, c) => s + pick(c), 0)
  const round = (usd: number): number => Math.round(usd * 1e6) / 1e6
  const prices = new Map(all.flatMap((c) => c.prices).map((p) => [p.model, p]))
  return {
    max_cost_usd: all[0]?.max_cost_usd ?? null,
    estimated_usd: all.some((c) => c.estimated_usd === null)
      ? null
      : round(sum((c) => c.estimated_usd ?? 0)),
    actual_usd: round(sum((c) => c.actual_usd)),
    complete: all.every((c) => c.complete),
    billed_jobs: sum((c) => c.billed_jobs),
    unpriced_jobs: sum((c) => c.unpriced_jobs),
    refused_jobs: sum((c) => c.refused_jobs),
    prices: [...prices.values()].sort((a, b) => a.model.localeCompare(b.model)),
    unknown_price_models: [...new Set(all.flatMap((c) => c.unknown_price_models))].sort(),
  }
}
