import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { ModelLatencies } from '../../../src/runner/model-latency.js'
import { submitMcpJob, waitMcpJob } from '../../../src/runner/mcp-job.js'
import {
  FIRST_POLL_MS,
  MAX_POLL_MS,
  DENSE_POLL_MS,
  MIN_POLL_MS,
  nextPollDelay,
  serverPollIntervalMs,
  type LatencyEstimate,
} from '../../../src/runner/poll-schedule.js'
import { fakeConnect, text } from '../mcp/fake-servers.js'

const middle = (): number => 0.5
/** The call times (ms after submit) of a job that never finishes, until `untilMs`. */
function sequence(
  untilMs: number,
  options: { estimate?: LatencyEstimate; random?: () => number; serverMs?: number } = {},
): number[] {
  const times: number[] = []
  let elapsed: number | undefined
  let now = 0
  for (;;) {
    now += nextPollDelay({
      elapsedMs: elapsed,
      estimate: options.estimate,
      serverMs: options.serverMs,
      random: options.random ?? middle,
    })
    if (now > untilMs) return times
    times.push(now)
    elapsed = now
  }
}

describe('nextPollDelay (the adaptive schedule)', () => {
  it('makes the first call 125 ms after submit, then backs off by 30 % of the time run to a 2 s cap', () => {
    const times = sequence(20_000)
    expect(times.slice(0, 6)).toEqual([125, 463, 902, 1473, 2215, 3180])
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
    for (let i = 1; i < gaps.length; i++)
      expect(gaps[i] as number).toBeGreaterThanOrEqual(gaps[i - 1] as number)
    expect(gaps.at(-1)).toBe(MAX_POLL_MS)
    // Worst-case rate without an estimate: never two calls within 300 ms (jitter aside).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(300)
  })

  it('jitters every pause by at most ±20 %, and never below 100 ms (120 ms in a window)', () => {
    expect(nextPollDelay({ elapsedMs: 4000, random: () => 0 })).toBe(Math.round(1500 * 0.8))
    expect(nextPollDelay({ elapsedMs: 4000, random: () => 0.999999 })).toBe(
      Math.round(1500 * 1.2 - 0.0003),
    )
    expect(nextPollDelay({ elapsedMs: undefined, random: () => 0 })).toBe(MIN_POLL_MS)
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    expect(nextPollDelay({ elapsedMs: 2950, estimate, random: () => 0 })).toBe(
      Math.round(DENSE_POLL_MS * 0.8),
    )
    expect(nextPollDelay({ elapsedMs: undefined, random: middle })).toBe(FIRST_POLL_MS)
  })

  it('with an estimate, skips ahead to its window, polls it densely, then backs off again', () => {
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    const times = sequence(5000, { estimate })
    // First call, one check halfway to the window for an early finish, then the window
    // 2800..3200 every 200 ms.
    expect(times.slice(0, 6)).toEqual([125, 1463, 2800, 3000, 3200, 3400])
    // Fewer calls up to a 12 s estimate than without one.
    const twelve = sequence(12_100, { estimate: { expectedMs: 12_000, spreadMs: 0 } })
    expect(twelve.length).toBeLessThan(sequence(12_100).length)
    const after = times.filter((t) => t >= 3200)
    const gaps = after.slice(1).map((t, i) => t - (after[i] as number))
    for (let i = 1; i < gaps.length; i++)
      expect(gaps[i] as number).toBeGreaterThanOrEqual(gaps[i - 1] as number)
  })

  it('never jitters the approach past the start of the window', () => {
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    const late = sequence(3000, { estimate, random: () => 0.99 })
    expect(late).toEqual([150, 1735, 2800])
  })

  it('goes to the window start instead of stopping less than 500 ms short of it', () => {
    // Window 2510..3090 (w = 290): after the call at 1290 the 1220 ms pause jittered down
    // to 990 ms would land at 2280, 230 ms short: the call is made at 2510 instead.
    const estimate = { expectedMs: 2800, spreadMs: 580 }
    expect(nextPollDelay({ elapsedMs: 1290, estimate, random: () => 0.06 })).toBe(1220)
    expect(nextPollDelay({ elapsedMs: 1290, estimate, random: () => 0.5 })).toBe(1220)
    const early = sequence(3100, { estimate, random: () => 0 })
    expect(early.filter((t) => t < 2510)).toHaveLength(2)
  })

  it('widens the window with the spread of the observed latencies', () => {
    const times = sequence(14_000, { estimate: { expectedMs: 12_000, spreadMs: 2000 } })
    // approach 125, 1825, then 2 s steps; window 11 000..13 000, polled at its start, at the
    // estimate and at its end (every w = 1000 ms): three calls
    expect(times.filter((t) => t >= 9000 && t <= 13_100)).toEqual([10_125, 11_000, 12_000, 13_000])
  })

  it('takes an interval the server gives as a floor', () => {
    expect(nextPollDelay({ elapsedMs: undefined, serverMs: 1500, random: middle })).toBe(1500)
    expect(nextPollDelay({ elapsedMs: 10_000, serverMs: 500, random: middle })).toBe(MAX_POLL_MS)
    expect(sequence(10_000, { serverMs: 3000 })).toEqual([3000, 6000, 9000])
  })

  it('keeps a fixed interval when one is set (server floor aside)', () => {
    expect(nextPollDelay({ elapsedMs: undefined, fixedMs: 2000, random: middle })).toBe(2000)
    expect(nextPollDelay({ elapsedMs: 9000, fixedMs: 700, random: () => 0 })).toBe(700)
    expect(nextPollDelay({ elapsedMs: 9000, fixedMs: 700, serverMs: 900, random: middle })).toBe(
      900,
    )
  })
})

describe('serverPollIntervalMs', () => {
  it('reads the intervals of both MCP task revisions and Retry-After seconds', () => {
    expect(serverPollIntervalMs({ pollIntervalMs: 750 })).toBe(750)
    expect(serverPollIntervalMs({ task: { taskId: 't', pollInterval: 1200 } })).toBe(1200)
    expect(serverPollIntervalMs({ status: 'IN_QUEUE', retry_after: 2 })).toBe(2000)
    expect(serverPollIntervalMs({ 'Retry-After': '3' })).toBe(3000)
    expect(serverPollIntervalMs({ status: 'IN_PROGRESS' })).toBeUndefined()
    expect(serverPollIntervalMs({ pollIntervalMs: -5, retryAfter: 'soon' })).toBeUndefined()
    expect(serverPollIntervalMs('pollIntervalMs: 5')).toBeUndefined()
  })
})

describe('ModelLatencies', () => {
  it('estimates from the ready windows of finished jobs: their intersection, else the median', () => {
    const latencies = new ModelLatencies()
    expect(latencies.estimate('m')).toBeUndefined()
    latencies.observe('m', 2900, 3200)
    latencies.observe('m', 3000, 3100)
    expect(latencies.estimate('m')).toEqual({ expectedMs: 3050, spreadMs: 100 })
    latencies.observe('m', 5000, 5200)
    expect(latencies.estimate('m')).toEqual({ expectedMs: 3050, spreadMs: 2050 })
    expect(latencies.estimate('other')).toBeUndefined()
  })

  it('wakes a waiting job of the same model that has run as long as one that completed', async () => {
    const latencies = new ModelLatencies()
    const now = performance.now()
    const a = latencies.follow('m', now)
    const b = latencies.follow('m', now)
    const young = latencies.follow('m', now + 60_000)
    const other = latencies.follow('n', now)
    let woken = ''
    const waits = [
      b.wait(60_000).then(() => (woken += 'b')),
      young.wait(150).then(() => (woken += 'y')),
      other.wait(150).then(() => (woken += 'o')),
    ]
    a.notReady(0)
    a.ready(a.elapsedMs())
    await waits[0]
    expect(woken).toBe('b')
    await Promise.all(waits)
    for (const job of [a, b, young, other]) job.close()
  })

  it('rejects a wait with the signal reason', async () => {
    const job = new ModelLatencies().follow('m', performance.now())
    const controller = new AbortController()
    const waiting = job.wait(60_000, controller.signal)
    controller.abort(new Error('stop'))
    await expect(waiting).rejects.toThrow('stop')
  })
})

describe('the MCP wait step on the adaptive schedule', () => {
  const pools: McpPool[] = []
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()))
  })
  const entry: McpServerEntry = { kind: 'stdio', command: 'unused', args: [], env: {} }

  function server(statusText: (call: number) => string): {
    pool: McpPool
    statusTimes: number[]
  } {
    const statusTimes: number[] = []
    const { connect } = fakeConnect({
      s: {
        tools: [
          {
            name: 'm_submit',
            properties: { prompt: {} },
            handler: () => text('{"request_id": "r1"}'),
          },
          {
            name: 'm_status',
            properties: { request_id: {} },
            handler: () => {
              statusTimes.push(performance.now())
              return text(statusText(statusTimes.length))
            },
          },
          { name: 'm_result', properties: { request_id: {} }, handler: () => text('done') },
        ],
      },
    })
    const pool = new McpPool(
      { s: entry },
      { logger: silentLogger, redactor: new Redactor(), env: {} },
      { connect },
    )
    pools.push(pool)
    return { pool, statusTimes }
  }
  const call = {
    type: 'async',
    submit: 'm_submit',
    status: 'm_status',
    result: 'm_result',
  } as const

  it('waits at least the pollIntervalMs a status answer asks for', async () => {
    const { pool, statusTimes } = server((n) =>
      n < 3 ? '{"status": "IN_PROGRESS", "pollIntervalMs": 400}' : '{"status": "COMPLETED"}',
    )
    const latencies = new ModelLatencies()
    const submission = await submitMcpJob(pool, call, { prompt: 'p' }, {})
    await waitMcpJob(pool, submission, { latencies, random: middle })
    expect(statusTimes).toHaveLength(3)
    // the schedule alone would pause about 280 ms after the first call
    expect((statusTimes[1] as number) - (statusTimes[0] as number)).toBeGreaterThanOrEqual(399)
    expect((statusTimes[2] as number) - (statusTimes[1] as number)).toBeGreaterThanOrEqual(399)
  })

  it('learns the latency of a finished job for the next job of the same model', async () => {
    const { pool } = server((n) =>
      n < 2 ? '{"status": "IN_PROGRESS"}' : '{"status": "COMPLETED"}',
    )
    const latencies = new ModelLatencies()
    const options = { latencies, random: middle }
    const submission = await submitMcpJob(pool, call, { prompt: 'p' }, {})
    const statuses: string[] = []
    await waitMcpJob(pool, submission, { ...options, onStatus: (s) => void statuses.push(s) })
    expect(statuses).toEqual(['pending', 'completed'])
    const estimate = latencies.estimate(`s\u0000m_submit`)
    // ready after the first status call (~125 ms) and by the second (~463 ms)
    expect(estimate?.expectedMs).toBeGreaterThan(100)
    expect(estimate?.expectedMs).toBeLessThan(2000)
  })
})
