import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { jobCost, entryPrice } from '../../../src/models/price.js'
import { ModelRegistry } from '../../../src/models/registry.js'
import { BUILTIN_MODELS } from '../../../src/models/builtin.js'
import { RegistryFileSchema } from '../../../src/models/types.js'
import type { ModelJob } from '../../../src/providers/kinds/job.js'
import { Budget, billingUnits, jobPricer, settleOnEnd } from '../../../src/runner/budget.js'
import type { Price } from '../../../src/contracts/cost.js'

const image = (label: string, extra: Record<string, unknown> = {}): ModelJob => ({
  provider: 'mcp',
  label,
  call: { type: 'sync', tool: 't' },
  args: { prompt: 'p', width: 1000, height: 500, num_images: 1, ...extra },
  answer: 'media',
})

const PRICES: Record<string, Price | null> = {
  img: { usd: 0.04, per: 'image' },
  mp: { usd: 0.003, per: 'megapixel' },
  vid: { usd: 0.1, per: 'second' },
  call: { usd: 0.5, per: 'call' },
  unknown: null,
}
const pricer = jobPricer((alias) => PRICES[alias])

describe('prices (issue 11)', () => {
  it('costs a job per image, megapixel, second and call from its arguments', () => {
    expect(pricer(image('img', { num_images: 3 })).cost.usd).toBe(0.12)
    // 1000 × 500 px = 0.5 MP per image, 2 images = 1 MP.
    expect(pricer(image('mp', { num_images: 2 })).cost).toMatchObject({ usd: 0.003, units: 1 })
    expect(pricer(image('vid', { duration: '6s' })).cost).toMatchObject({ usd: 0.6, units: 6 })
    expect(pricer(image('vid')).cost).toMatchObject({ usd: null, units: null })
    expect(pricer(image('call', { num_images: 4 })).cost.usd).toBe(0.5)
    expect(pricer(image('unknown')).cost).toEqual({ usd: null, units: null, price: null })
    // The preview server is free; a trailing "(alias)" names the model.
    expect(pricer(image('preview:imagen4-fast')).cost.usd).toBe(0)
    expect(pricer(image('segment 2 (img)'))).toMatchObject({ model: 'img', cost: { usd: 0.04 } })
    expect(pricer(image('no-such-model')).cost.usd).toBeNull()
  })

  it('counts ComfyUI jobs by their size and frames', () => {
    const comfy: ModelJob = {
      provider: 'comfyui',
      label: 'vid',
      template: 'svd',
      params: { seed: 1, width: 512, height: 512, frames: 25, fps: 5 },
    }
    expect(billingUnits(comfy)).toEqual({ images: 1, pixels: 512 * 512, seconds: 5 })
    expect(pricer(comfy).cost.usd).toBe(0.5)
  })

  it('keeps priceUsd as a price per call and never turns an unknown price into 0', () => {
    expect(entryPrice({ price: null, priceUsd: 0.07 })).toEqual({ usd: 0.07, per: 'call' })
    expect(entryPrice({ price: { usd: 0.01, per: 'image' }, priceUsd: 0.07 })?.per).toBe('image')
    expect(entryPrice({ price: null })).toBeNull()
    expect(jobCost(null, { images: 1, pixels: 1, seconds: 1 }).usd).toBeNull()
    const registry = ModelRegistry.builtin()
    expect(entryPrice(registry.get('imagen4-fast'))).toEqual({ usd: 0.02, per: 'image' })
    expect(entryPrice(registry.get('imagen3'))).toBeNull()
    expect(entryPrice(registry.get('sdxl-local'))).toBeNull()
    for (const [alias, entry] of Object.entries(BUILTIN_MODELS))
      expect(entry.price === undefined, `${alias} states its price or null`).toBe(false)
  })

  it('accepts `price` in a registry file and rejects a unit it does not know', () => {
    const ok = RegistryFileSchema.safeParse({
      models: {
        m: {
          provider: 'mcp',
          call: { type: 'sync', tool: 't' },
          price: { usd: 0.04, per: 'image' },
        },
      },
    })
    expect(ok.success && ok.data.models.m?.price).toEqual({ usd: 0.04, per: 'image' })
    const bad = RegistryFileSchema.safeParse({
      models: { m: { provider: 'mcp', price: { usd: 0.04, per: 'token' } } },
    })
    expect(bad.success).toBe(false)
    const negative = RegistryFileSchema.safeParse({
      models: { m: { provider: 'mcp', price: { usd: -1, per: 'image' } } },
    })
    expect(negative.success).toBe(false)
  })
})

describe('Budget arithmetic (issue 11)', () => {
  it('refuses the job that would exceed the cap, and every job after it', () => {
    const budget = new Budget(0.1, pricer)
    const a = budget.reserve(image('img'))
    const b = budget.reserve(image('img'))
    let refused: unknown
    try {
      budget.reserve(image('img'))
    } catch (error) {
      refused = error
    }
    expect(isKamuiError(refused, 'COST_001')).toBe(true)
    expect((refused as Error).message).toMatch(/0\.12 would exceed max-cost-usd 0\.1/)
    expect((refused as { retryable: boolean }).retryable).toBe(false)
    a.settle(true)
    b.settle(true)
    // Even a free job is refused once the run stopped: nothing more is submitted.
    expect(() => budget.reserve(image('preview'))).toThrow(/already stopped/)
    expect(budget.summary(0.08)).toMatchObject({
      max_cost_usd: 0.1,
      estimated_usd: 0.08,
      actual_usd: 0.08,
      billed_jobs: 2,
      refused_jobs: 2,
      complete: true,
    })
  })

  it('releases the reservation of a job that failed or was not billed', () => {
    const budget = new Budget(0.08, pricer)
    const first = budget.reserve(image('img'))
    const second = budget.reserve(image('img'))
    // Both in flight: a third would exceed.
    first.settle(false)
    second.settle(false)
    second.settle(true) // settled once only
    expect(budget.spentUsd).toBe(0)
    const third = budget.reserve(image('img'))
    const fourth = budget.reserve(image('img'))
    third.settle(true)
    fourth.settle(true)
    expect(budget.summary()).toMatchObject({ actual_usd: 0.08, billed_jobs: 2, refused_jobs: 0 })
  })

  it('bills a job abandoned after its submit, releases one that failed', async () => {
    const budget = new Budget(undefined, pricer)
    const controller = new AbortController()
    const failing = settleOnEnd(
      { wait: () => Promise.reject(new Error('job failed')) },
      budget.reserve(image('img')),
      controller.signal,
    )
    await expect(failing.wait()).rejects.toThrow('job failed')
    expect(budget.spentUsd).toBe(0)
    const abandoned = settleOnEnd(
      { wait: () => Promise.reject(new Error('deadline')) },
      budget.reserve(image('img')),
      controller.signal,
    )
    controller.abort()
    await expect(abandoned.wait()).rejects.toThrow('deadline')
    const done = settleOnEnd(
      { wait: () => Promise.resolve('ok') },
      budget.reserve(image('img')),
      controller.signal,
    )
    await done.wait()
    expect(budget.spentUsd).toBe(0.08)
  })

  it('under a cap refuses a job whose price is unknown, naming the model; without a cap counts it unpriced', () => {
    const capped = new Budget(10, pricer)
    expect(() => capped.reserve(image('unknown'))).toThrow(/price of model "unknown" is unknown/)
    expect(() => capped.reserve(image('vid'))).toThrow(/COST_001/)
    const open = new Budget(undefined, pricer)
    open.reserve(image('unknown')).settle(true)
    open.reserve(image('img')).settle(true)
    expect(open.summary()).toMatchObject({
      actual_usd: 0.04,
      complete: false,
      unpriced_jobs: 1,
      unknown_price_models: ['unknown'],
    })
  })
})
