import { z } from 'zod'

/**
 * The cost contracts of issue 11: a model's price, and the cost block of a stage's report and
 * telemetry (`src/runner/budget.ts` fills it). US dollars throughout; an unknown price is
 * `null`, never 0.
 */

/** What a price is counted per: an output image, a second of video, a call, a megapixel. */
export const PRICE_UNITS = ['image', 'second', 'call', 'megapixel'] as const
export type PriceUnit = (typeof PRICE_UNITS)[number]

/**
 * A model's price: `usd` US dollars per `per` — one output image, one second of output video,
 * one successful call, or one megapixel of output (width × height / 1 000 000, times the
 * number of images).
 */
export const PriceSchema = z.object({
  usd: z.number().nonnegative(),
  per: z.enum(PRICE_UNITS),
})
export type Price = z.infer<typeof PriceSchema>

/** The price used for one model of a run (null: unknown). */
export const PriceUsedSchema = z.object({
  model: z.string(),
  price: PriceSchema.nullable(),
})
export type PriceUsed = z.infer<typeof PriceUsedSchema>

/**
 * The cost of a stage run (report `cost`, telemetry `cost`):
 *
 * - `actual_usd`: the sum of the jobs this run submitted that were billed (completed, or
 *   abandoned after their submit), at registry prices; jobs reused from the journal or the
 *   cache, jobs followed by a stored handle of an earlier run, and failed jobs count 0;
 * - `estimated_usd`: the stage's estimate before it ran (the dry run's figure), or null when
 *   the stage does not plan its jobs ahead;
 * - `complete`: false when a billed job's model had no known price (then `actual_usd` covers
 *   the priced jobs only and `unknown_price_models` names the others).
 */
export const CostSummarySchema = z.object({
  max_cost_usd: z.number().nonnegative().nullable(),
  estimated_usd: z.number().nonnegative().nullable(),
  actual_usd: z.number().nonnegative(),
  complete: z.boolean(),
  billed_jobs: z.number().int().nonnegative(),
  /** Billed jobs of models without a known price (not in `actual_usd`). */
  unpriced_jobs: z.number().int().nonnegative(),
  /** Jobs not submitted because of `max-cost-usd` (COST_001). */
  refused_jobs: z.number().int().nonnegative(),
  prices: z.array(PriceUsedSchema),
  unknown_price_models: z.array(z.string()),
})
export type CostSummary = z.infer<typeof CostSummarySchema>
