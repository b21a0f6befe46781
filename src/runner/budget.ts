import type { CostSummary, Price, PriceUsed } from '../contracts/cost.js'
import { KamuiError } from '../core/errors.js'
import { jobCost, roundUsd, type BillingUnits, type JobCost } from '../models/price.js'
import type { ModelJob } from '../providers/kinds/job.js'

/**
 * The budget of one stage run (issue 11, input `max-cost-usd`), kept by the job runner:
 *
 * - before each submit the runner calls {@link Budget.reserve}: spent + reserved + this job's
 *   estimate is checked against the cap; a job that would exceed it is refused with COST_001
 *   and so is every later job (the run submits nothing more, what was made is kept);
 * - a job that completes, or that the runner stops following after its submit (deadline,
 *   cancellation: it may still run and be billed), is **billed**: its reservation becomes
 *   spent;
 * - a job that fails (the submit was refused, or the provider reported it failed) is **not
 *   billed**: its reservation is released. Hosted providers bill successful outputs only
 *   (fal: "you pay only for successful outputs, and you are never charged for server errors",
 *   https://docs.fal.ai/documentation/model-apis/pricing); a provider that bills failures is
 *   under-counted by this rule;
 * - jobs reused from the run journal or the cache, and jobs followed with a stored handle of an
 *   earlier run, never reach the submit and do not count.
 *
 * Unknown prices: without a cap a job of a model with no known price runs and is reported as
 * unpriced (`complete: false`), never as $0. Under a cap such a job is refused with COST_001
 * naming the model (its cost cannot be checked against the cap); give the model a `price` in a
 * model-registry file (`{ usd: 0, per: call }` for one's own ComfyUI GPU) to run it.
 */
export class Budget {
  private spent = 0
  private reserved = 0
  private billedJobs = 0
  private unpricedJobs = 0
  private refusedJobs = 0
  /** Set by the first refusal: later jobs are refused too. */
  private stopped: string | undefined
  private readonly prices = new Map<string, Price | null>()

  /**
   * @param maxCostUsd the cap, US dollars, or undefined (no cap: costs are only counted)
   * @param priceJob the priced model and cost of a job (see {@link jobPricer})
   */
  constructor(
    readonly maxCostUsd: number | undefined,
    private readonly priceJob: (job: ModelJob) => PricedJob,
  ) {}

  /** The model and cost of a job at registry prices (no reservation). */
  estimate(job: ModelJob): PricedJob {
    return this.priceJob(job)
  }

  /**
   * Reserves a job's estimate before it is submitted.
   *
   * @throws KamuiError COST_001 (not retryable) when the cap would be exceeded, when an earlier
   *   job was refused, or when the job's cost is unknown under a cap
   */
  reserve(job: ModelJob): Reservation {
    const priced = this.priceJob(job)
    this.prices.set(priced.model, priced.cost.price)
    const refusal = this.refusal(job, priced)
    if (refusal) {
      this.refusedJobs++
      this.stopped ??= refusal
      throw new KamuiError('COST_001', refusal, { retryable: false })
    }
    const usd = priced.cost.usd ?? 0
    this.reserved = roundUsd(this.reserved + usd)
    let open = true
    return {
      priced,
      settle: (billed: boolean) => {
        if (!open) return
        open = false
        this.reserved = roundUsd(this.reserved - usd)
        if (!billed) return
        this.billedJobs++
        if (priced.cost.usd === null) this.unpricedJobs++
        else this.spent = roundUsd(this.spent + usd)
      },
    }
  }

  private refusal(job: ModelJob, priced: PricedJob): string | undefined {
    const cap = this.maxCostUsd
    if (cap === undefined) return undefined
    if (this.stopped !== undefined)
      return `${job.label}: not submitted: the run already stopped at max-cost-usd ${cap}.`
    const usd = priced.cost.usd
    if (usd === null) {
      return (
        `${job.label}: not submitted under max-cost-usd ${cap}: the price of model "${priced.model}" ` +
        `is unknown${priced.cost.price ? ' for this job (its units are unknown)' : ''}. ` +
        'Set `price` for it in a model-registry file, or remove max-cost-usd.'
      )
    }
    const total = roundUsd(this.spent + this.reserved + usd)
    if (total <= cap) return undefined
    return (
      `${job.label}: not submitted: $${this.spent} spent + $${this.reserved} in flight + ` +
      `$${usd} for this job = $${total} would exceed max-cost-usd ${cap}.`
    )
  }

  /** US dollars billed so far (priced jobs). */
  get spentUsd(): number {
    return this.spent
  }

  /** Jobs refused with COST_001 so far. */
  get refused(): number {
    return this.refusedJobs
  }

  /** The cost block of the run's report; `estimatedUsd` is the stage's plan estimate or null. */
  summary(estimatedUsd: number | null = null): CostSummary {
    const prices: PriceUsed[] = [...this.prices.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([model, price]) => ({ model, price }))
    return {
      max_cost_usd: this.maxCostUsd ?? null,
      estimated_usd: estimatedUsd,
      actual_usd: this.spent,
      complete: this.unpricedJobs === 0,
      billed_jobs: this.billedJobs,
      unpriced_jobs: this.unpricedJobs,
      refused_jobs: this.refusedJobs,
      prices,
      unknown_price_models: prices.filter((p) => p.price === null).map((p) => p.model),
    }
  }
}

/** A job's model (the registry alias priced, else its label) and its cost. */
export interface PricedJob {
  model: string
  cost: JobCost
}

/** A reserved job: `settle(true)` when billed, `settle(false)` when not; idempotent. */
export interface Reservation {
  priced: PricedJob
  settle(billed: boolean): void
}

/**
 * Wraps a submitted job so that its reservation is settled when it ends: billed when its wait
 * resolves, or when it rejects after `signal` aborted (the job was abandoned, not failed);
 * released when it rejects otherwise.
 */
export function settleOnEnd<T extends { wait(): Promise<R> }, R>(
  submitted: T,
  reservation: Reservation,
  signal: AbortSignal,
): T {
  return {
    ...submitted,
    wait: async () => {
      try {
        const output = await submitted.wait()
        reservation.settle(true)
        return output
      } catch (error) {
        reservation.settle(signal.aborted)
        throw error
      }
    },
  }
}

/**
 * A job's pricer over a registry lookup: the model of a label is the registry entry of the
 * label itself, else of the alias in its trailing parentheses (`segment 2 (hailuo-02-pro)`);
 * the preview server's labels (`preview`, `preview:<alias>`) are free.
 *
 * @param priceOfAlias the price of a registry alias; undefined when the registry has no such alias
 */
export function jobPricer(
  priceOfAlias: (alias: string) => Price | null | undefined,
): (job: ModelJob) => PricedJob {
  return (job) => {
    const units = billingUnits(job)
    const label = job.label
    if (label === 'preview' || label.startsWith('preview:') || label.startsWith('preview-'))
      return { model: label, cost: jobCost({ usd: 0, per: 'call' }, units) }
    const alias = /\(([^()]+)\)\s*$/.exec(label)?.[1]
    for (const candidate of [label, alias]) {
      if (candidate === undefined) continue
      const price = priceOfAlias(candidate)
      if (price !== undefined) return { model: candidate, cost: jobCost(price, units) }
    }
    return { model: label, cost: jobCost(null, units) }
  }
}

/**
 * What a job asks for, in billing units: MCP arguments `num_images` (or `n`; default 1),
 * `width` × `height`, `duration` (or `duration_seconds`, `seconds`; `"6s"` reads 6); ComfyUI
 * parameters `width` × `height` and `frames` / `fps`.
 */
export function billingUnits(job: ModelJob): BillingUnits {
  if (job.provider === 'comfyui') {
    const { width, height, frames, fps } = job.params
    return {
      images: 1,
      pixels: width && height ? width * height : null,
      seconds: frames && fps ? frames / fps : null,
    }
  }
  const a = job.args
  const width = num(a.width)
  const height = num(a.height)
  return {
    images: num(a.num_images) ?? num(a.n) ?? 1,
    pixels: width && height ? width * height : null,
    seconds: num(a.duration) ?? num(a.duration_seconds) ?? num(a.seconds) ?? null,
  }
}

function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null
  if (typeof value !== 'string') return null
  const n = Number.parseFloat(value)
  return Number.isFinite(n) && n >= 0 ? n : null
}
