import { describe, expect, it } from 'vitest'
import { sleep } from '../../../src/core/abort.js'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { GenerationQueue, QueuedJobError } from '../../../src/runner/generation-queue.js'

const fastRetry = { retries: 3, minDelayMs: 5, maxDelayMs: 20 }

function tracker() {
  let active = 0
  let peak = 0
  return {
    async work<T>(ms: number, value: T): Promise<T> {
      active += 1
      peak = Math.max(peak, active)
      await sleep(ms)
      active -= 1
      return value
    },
    get peak() {
      return peak
    },
  }
}

describe('GenerationQueue', () => {
  it('never runs more than max-parallel jobs at once', async () => {
    const queue = new GenerationQueue({
      maxParallel: 3,
      rateLimitOf: () => ({}),
      logger: silentLogger,
      retry: fastRetry,
    })
    const t = tracker()
    const signal = new AbortController().signal
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) => queue.run('m', `job ${i}`, signal, () => t.work(30, i))),
    )
    expect(results.map((r) => r.value)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(t.peak).toBe(3)
    expect(Math.max(...results.map((r) => r.queueWaitMs))).toBeGreaterThanOrEqual(50)
  })

  it('applies a per-model concurrency limit below max-parallel', async () => {
    const queue = new GenerationQueue({
      maxParallel: 5,
      rateLimitOf: (m) => (m === 'slow' ? { concurrency: 1 } : {}),
      logger: silentLogger,
      retry: fastRetry,
    })
    const slow = tracker()
    const fast = tracker()
    const signal = new AbortController().signal
    await Promise.all([
      ...Array.from({ length: 3 }, () => queue.run('slow', 's', signal, () => slow.work(20, 0))),
      ...Array.from({ length: 3 }, () => queue.run('fast', 'f', signal, () => fast.work(20, 0))),
    ])
    expect(slow.peak).toBe(1)
    expect(fast.peak).toBe(3)
  })

  it('limits starts per minute with the rpm window', async () => {
    const queue = new GenerationQueue({
      maxParallel: 5,
      rateLimitOf: () => ({ rpm: 2 }),
      logger: silentLogger,
    })
    const controller = new AbortController()
    let started = 0
    const jobs = Array.from({ length: 3 }, () =>
      queue.run('m', 'j', controller.signal, async () => {
        started += 1
      }),
    )
    await sleep(100)
    expect(started).toBe(2)
    controller.abort(new KamuiError('RUN_001', 'stop'))
    const settled = await Promise.allSettled(jobs)
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1)
  })

  it('retries transient failures and honours Retry-After', async () => {
    const queue = new GenerationQueue({
      maxParallel: 1,
      rateLimitOf: () => ({}),
      logger: silentLogger,
      retry: fastRetry,
    })
    let calls = 0
    const started = performance.now()
    const result = await queue.run('m', 'j', new AbortController().signal, async () => {
      calls += 1
      if (calls === 1) throw new KamuiError('IMG_006', 'rate limited', { retryAfterMs: 150 })
      if (calls === 2) throw new KamuiError('IMG_008', 'connection reset')
      return 'ok'
    })
    expect(result).toMatchObject({ value: 'ok', attempts: 3 })
    expect(result.retriedErrors.map((e) => e.code)).toEqual(['IMG_006', 'IMG_008'])
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('does not retry authentication or validation failures', async () => {
    const queue = new GenerationQueue({
      maxParallel: 1,
      rateLimitOf: () => ({}),
      logger: silentLogger,
      retry: fastRetry,
    })
    let calls = 0
    const error = await queue
      .run('m', 'j', new AbortController().signal, async () => {
        calls += 1
        throw new KamuiError('IMG_007', 'bad key')
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(QueuedJobError)
    expect((error as QueuedJobError).error.code).toBe('IMG_007')
    expect(calls).toBe(1)
  })

  it('gives up with the last error once the retries run out', async () => {
    const queue = new GenerationQueue({
      maxParallel: 1,
      rateLimitOf: () => ({}),
      logger: silentLogger,
      retry: { retries: 2, minDelayMs: 1, maxDelayMs: 2 },
    })
    let calls = 0
    const error = (await queue
      .run('m', 'j', new AbortController().signal, async () => {
        calls += 1
        throw new KamuiError('IMG_006', `limited ${calls}`)
      })
      .catch((e: unknown) => e)) as QueuedJobError
    expect(calls).toBe(3)
    expect(error.error.message).toBe('IMG_006: limited 3')
    expect(error.attempts).toBe(3)
  })

  it('stops waiting when the signal aborts, with the abort reason', async () => {
    const queue = new GenerationQueue({
      maxParallel: 1,
      rateLimitOf: () => ({}),
      logger: silentLogger,
      retry: fastRetry,
    })
    const controller = new AbortController()
    const running = queue.run('m', 'j', controller.signal, ({ signal }) => sleep(10_000, signal))
    setTimeout(() => controller.abort(new KamuiError('IMG_003', 'too slow')), 20)
    const error = (await running.catch((e: unknown) => e)) as QueuedJobError
    expect(error.error.code).toBe('IMG_003')
  })
})
