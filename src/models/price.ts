import type { ModelEntry, Price } from './types.js'

/**
 * The price of a registry entry (issue 11): its `price`, else its `priceUsd` as a price per
 * call, else null (unknown — never 0).
 */
export function entryPrice(entry: Pick<ModelEntry, 'price' | 'priceUsd'>): Price | null {
  if (entry.price) return entry.price
  return entry.priceUsd === undefined ? null : { usd: entry.priceUsd, per: 'call' }
}

/**
 * What one job asks a model to make, in the units prices are counted in. A field is null
 * when the job does not say (then a price per that unit cannot be applied).
 */
export interface BillingUnits {
  /** Output images (`num_images`; 1 when the job does not say). */
  images: number
  /** Output pixels of one image (width × height), or null. */
  pixels: number | null
  /** Seconds of output video, or null. */
  seconds: number | null
}

/** The cost of one job at a price: the units counted and the dollars, or null when unknown. */
export interface JobCost {
  /** US dollars, or null when the price or the job's units are unknown. */
  usd: number | null
  /** How many `price.per` units the job makes, or null when unknown. */
  units: number | null
  /** The price applied, or null when the model has none. */
  price: Price | null
}

/**
 * The cost of a job of `units` at `price`: per call → 1 unit; per image → the image count; per
 * megapixel → images × width × height / 10⁶ (exact, not rounded up to whole megapixels: a
 * provider that rounds up bills a little more); per second → the video's seconds.
 * US dollars are rounded to 1e-9 so that sums of equal jobs compare exactly.
 */
export function jobCost(price: Price | null, units: BillingUnits): JobCost {
  if (!price) return { usd: null, units: null, price: null }
  const count = unitsOf(price.per, units)
  return { usd: count === null ? null : roundUsd(count * price.usd), units: count, price }
}

function unitsOf(per: Price['per'], units: BillingUnits): number | null {
  switch (per) {
    case 'call':
      return 1
    case 'image':
      return units.images
    case 'megapixel':
      return units.pixels === null ? null : (units.images * units.pixels) / 1_000_000
    case 'second':
      return units.seconds
  }
}

/** Rounds US dollars to 1e-9 (sums of job costs stay exact in reports and comparisons). */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e9) / 1e9
}

/** `$0.04 per image`, `price unknown`. */
export function describePrice(price: Price | null): string {
  return price ? `$${price.usd} per ${price.per}` : 'price unknown'
}
