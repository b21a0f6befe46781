import { describe, expect, it } from 'vitest'
import type { CostSummary } from '../../../src/contracts/cost.js'
import { mergeCostSummaries } from '../../../src/output/shards/costs.js'

const cost = (overrides: Partial<CostSummary>): CostSummary => ({
  max_cost_usd: null,
  estimated_usd: 0.06,
  actual_usd: 0.06,
  complete: true,
  billed_jobs: 3,
  unpriced_jobs: 0,
  refused_jobs: 0,
  prices: [{ model: 'imagen4-fast', price: { usd: 0.02, per: 'image' } }],
  unknown_price_models: [],
  ...overrides,
})

describe('mergeCostSummaries', () => {
  it('adds up the shards and joins their prices', () => {
    const merged = mergeCostSummaries([
      cost({}),
      cost({
        actual_usd: 0.12,
        estimated_usd: 0.12,
        billed_jobs: 2,
        prices: [{ model: 'imagen4-ultra', price: { usd: 0.06, per: 'image' } }],
      }),
    ])
    expect(merged).toMatchObject({
      estimated_usd: 0.18,
      actual_usd: 0.18,
      billed_jobs: 5,
      complete: true,
    })
    expect(merged?.prices.map((p) => p.model)).toEqual(['imagen4-fast', 'imagen4-ultra'])
  })
  it('keeps an unknown estimate unknown and a missing summary missing', () => {
    expect(
      mergeCostSummaries([cost({ estimated_usd: null, unknown_price_models: ['x'] }), cost({})])
        ?.estimated_usd,
    ).toBeNull()
    expect(mergeCostSummaries([cost({}), undefined])).toBeUndefined()
  })
})
