import type { ModelEntry, Price } from '../../models/types.js'

/**
 * Cost tracking of the keyframes stage by step type (the image-guided pipeline's cost types).
 * Prices come only from the model registry (`priceUsd` of an entry, one successful call); a
 * model without a price is reported as unknown, never guessed.
 */

/**
 * The step types costs are tracked by: writing stories and the storyboard, writing a frame's
 * composition (whichever enhancer does it: nano-banana, the local LLM or the preview), and
 * rendering a frame.
 */
export const COST_TYPES = [
  'story-generation',
  'nanobanana-enhancement',
  'keyframe-generation',
] as const
/** One of {@link COST_TYPES}. */
export type CostType = (typeof COST_TYPES)[number]

/** The cost of one step. */
export interface StepCost {
  type: CostType
  /** US dollars; null when the model's price is unknown. */
  usd: number | null
  /** Where `usd` came from, or why it is unknown. */
  basis: string
  /** True when the result came from the cache (no model call, no charge). */
  cached: boolean
}

/**
 * The cost of one call of a registry model: its `price` when it is per call or per image (one
 * call makes one keyframe or one answer), else its `priceUsd` (per call), else unknown.
 */
export function registryCost(
  type: CostType,
  entry: Pick<ModelEntry, 'alias' | 'priceUsd'> & { price?: Price | null },
): StepCost {
  const price = entry.price
  if (price && (price.per === 'call' || price.per === 'image'))
    return {
      type,
      usd: price.usd,
      basis: `price of ${entry.alias} in the model registry ($${price.usd} per ${price.per}, one ${price.per})`,
      cached: false,
    }
  return entry.priceUsd === undefined
    ? {
        type,
        usd: null,
        basis: `price unknown: "${entry.alias}" has no priceUsd in the model registry`,
        cached: false,
      }
    : {
        type,
        usd: entry.priceUsd,
        basis: `priceUsd of ${entry.alias} in the model registry`,
        cached: false,
      }
}

/** A step that costs nothing per call (preview output, local LLM or local GPU). */
export function noChargeCost(type: CostType, basis: string): StepCost {
  return { type, usd: 0, basis, cached: false }
}

/**
 * The cost of one call of a model of the model services: nothing when the provider says why
 * (preview output, a local LLM or GPU), else the registry price of its entry.
 */
export function modelCost(
  type: CostType,
  model: {
    noCharge: string | null
    entry: (Pick<ModelEntry, 'alias' | 'priceUsd'> & { price?: Price | null }) | null
  },
): StepCost {
  return model.noCharge !== null || model.entry === null
    ? noChargeCost(type, model.noCharge ?? 'no per-call charge')
    : registryCost(type, model.entry)
}

/** A step answered from the cache: no model call. */
export function cachedCost(type: CostType): StepCost {
  return { type, usd: 0, basis: 'cache hit: no model call', cached: true }
}

/** Totals of one step type. */
export interface CostTypeTotal {
  /** Steps that called a model. */
  calls: number
  /** Steps answered from the cache. */
  cached: number
  /** Sum of the known prices, US dollars. */
  usd: number
  /** Calls whose model has no price in the registry (not in `usd`). */
  unknownPriceCalls: number
}

/** Cost totals of a run. */
export interface CostTotals {
  byType: Record<CostType, CostTypeTotal>
  /** Sum of every known price, US dollars (a lower bound when `complete` is false). */
  totalUsd: number
  /** Calls whose price is unknown. */
  unknownPriceCalls: number
  /** True when every call had a known price. */
  complete: boolean
  /** A sentence for the report. */
  note: string
}

/** Adds up step costs by type. */
export function totalCosts(steps: readonly StepCost[]): CostTotals {
  const byType = Object.fromEntries(
    COST_TYPES.map((t) => [t, { calls: 0, cached: 0, usd: 0, unknownPriceCalls: 0 }]),
  ) as Record<CostType, CostTypeTotal>
  for (const step of steps) {
    const total = byType[step.type]
    if (step.cached) {
      total.cached++
      continue
    }
    total.calls++
    if (step.usd === null) total.unknownPriceCalls++
    else total.usd = round(total.usd + step.usd)
  }
  const totalUsd = round(COST_TYPES.reduce((sum, t) => sum + byType[t].usd, 0))
  const unknownPriceCalls = COST_TYPES.reduce((sum, t) => sum + byType[t].unknownPriceCalls, 0)
  const note =
    unknownPriceCalls === 0
      ? 'Every call had a price (priceUsd in the model registry, or no charge).'
      : `${unknownPriceCalls} call(s) used models without a price in the model registry (priceUsd); ` +
        'totalUsd covers the priced calls only. Add priceUsd to those entries with a model-registry file.'
  return { byType, totalUsd, unknownPriceCalls, complete: unknownPriceCalls === 0, note }
}

/** Sums of several steps as one telemetry cost (`usd` null when any is unknown). */
export function combinedCost(
  steps: readonly StepCost[],
): { usd: number | null; basis: string } | null {
  if (steps.length === 0) return null
  const unknown = steps.some((s) => s.usd === null)
  return {
    usd: unknown ? null : round(steps.reduce((sum, s) => sum + (s.usd ?? 0), 0)),
    basis: steps
      .map((s) => `${s.type}: ${s.usd === null ? 'unknown' : `$${s.usd}`} (${s.basis})`)
      .join('; '),
  }
}

/** Rounds dollars to 1/1,000,000 to keep sums of prices free of float noise. */
function round(usd: number): number {
  return Math.round(usd * 1e6) / 1e6
}
