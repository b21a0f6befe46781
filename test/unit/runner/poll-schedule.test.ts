import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { ModelLatencies } from '../../../src/runner/model-latency.js'
import { submitMcpJob, waitForNextCall, waitMcpJob } from '../../../src/runner/mcp-job.js'
import {
  BACKOFF_FLOOR_MS,
  backoffMs,
  FIRST_POLL_MS,
  MAX_POLL_MS,
  DENSE_POLL_MS,
  MIN_POLL_MS,
  nextPollDelay,
  POLL_JITTER,
  serverPollIntervalMs,
  type LatencyEstimate,
  type PollTurn,
} from '../../../src/runner/poll-schedule.js'
import { fakeConnect, text } from '../mcp/fake-servers.js'

const middle = (): number => 0.5
/** The call times (ms after submit) of a job that never finishes, until `untilMs`. */
function sequence(
  untilMs: number,
  options: {
    estimate?: LatencyEstimate
    random?: () => number
    serverMs?: number
    turn?: PollTurn
  } = {},
): number[] {
  const times: number[] = []
  let elapsed: number | undefined
  let now = 0
  for (;;) {
    now += nextPollDelay({
      elapsedMs: elapsed,
      estimate: options.estimate,
      serverMs: options.serverMs,
      turn: options.turn,
      random: options.random ?? middle,
    })
    if (now > untilMs) return times
    times.push(now)
    elapsed = now
  }
}
const gapsOf = (times: number[]): number[] => times.slice(1).map((t, i) => t - (times[i] as number))

describe('nextPollDelay (the adaptive schedule)', () => {
  it('makes the first call 125 ms after submit, then 600 ms pauses backing off by 22 % of the time run to a 2 s cap', () => {
    const times = sequence(20_000)
    expect(times.slice(0, 8)).toEqual([125, 725, 1325, 1925, 2525, 3125, 3813, 4651])
    const gaps = gapsOf(times)
    for (let i = 1; i < gaps.length; i++)
      expect(gaps[i] as number).toBeGreaterThanOrEqual(gaps[i - 1] as number)
    expect(gaps.at(-1)).toBe(MAX_POLL_MS)
    expect(Math.min(...gaps)).toBe(BACKOFF_FLOOR_MS)
    expect(backoffMs(0)).toBe(600)
    expect(backoffMs(5000)).toBe(1100)
    expect(backoffMs(60_000)).toBe(2000)
    // Within the documented budgets for a lone job: <= 2 calls/s at 3 s, <= 1 call/s at 12 s.
    expect(sequence(3000).length).toBeLessThanOrEqual(6)
    expect(sequence(12_000).length).toBeLessThanOrEqual(12)
  })

  it('jitters every call by at most ±5 % of its spacing, and never below 100 ms', () => {
    // After the call at 4651 the grid's next call is at 5674.5, which starts a 1248 ms pause:
    // ±62 ms.
    expect(nextPollDelay({ elapsedMs: 4651, random: () => 0 })).toBe(Math.round(1023.5 - 62.4))
    expect(nextPollDelay({ elapsedMs: 4651, random: () => 0.999999 })).toBe(
      Math.round(1023.5 + 62.4),
    )
    expect(nextPollDelay({ elapsedMs: undefined, random: () => 0 })).toBe(
      Math.round(FIRST_POLL_MS * (1 - POLL_JITTER)),
    )
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    expect(nextPollDelay({ elapsedMs: 2950, estimate, random: () => 0 })).toBe(
      Math.round(DENSE_POLL_MS * (1 - POLL_JITTER)),
    )
    expect(nextPollDelay({ elapsedMs: undefined, random: middle })).toBe(FIRST_POLL_MS)
    expect(nextPollDelay({ elapsedMs: 0, random: () => 0, serverMs: 20 })).toBeGreaterThanOrEqual(
      MIN_POLL_MS,
    )
  })

  it('lets the jobs of a group take turns: together they call evenly, each at its own pace', () => {
    const offset = 0.3
    const group = [0, 1, 2].map((index) => sequence(20_000, { turn: { index, of: 3, offset } }))
    // Only the first job makes the 125 ms call; the others start on their turn of the grid.
    expect(group.map((times) => times[0])).toEqual([125, 385, 585])
    // Each job keeps the lone job's pace: as many calls, never more.
    const lone = sequence(20_000)
    for (const times of group) expect(times.length).toBeLessThanOrEqual(lone.length)
    // Merged, the group's calls between 1 s and 2.7 s are a third of a pause apart (±1 ms).
    const merged = group
      .flat()
      .filter((t) => t >= 1000 && t <= 2700)
      .sort((a, b) => a - b)
    for (const gap of gapsOf(merged)) expect(Math.abs(gap - 200)).toBeLessThanOrEqual(1)
    // Past the cap every job calls every 2 s, the group every 667 ms.
    const late = group
      .flat()
      .filter((t) => t >= 11_500)
      .sort((a, b) => a - b)
    for (const gap of gapsOf(late)) expect(Math.abs(gap - 2000 / 3)).toBeLessThanOrEqual(1)
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
    const gaps = gapsOf(after)
    for (let i = 1; i < gaps.length; i++)
      expect(gaps[i] as number).toBeGreaterThanOrEqual(gaps[i - 1] as number)
  })

  it('lets two jobs take turns in the window: 100 ms apart together', () => {
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    const a = sequence(3300, { estimate, turn: { index: 0, of: 2, offset: 0 } })
    const b = sequence(3300, { estimate, turn: { index: 1, of: 2, offset: 0 } })
    expect(a.filter((t) => t >= 2700)).toEqual([2800, 3000, 3200])
    expect(b.filter((t) => t >= 2700)).toEqual([2900, 3100, 3300])
    // Both make the first call: with an estimate every job has its early check.
    expect([a[0], b[0]]).toEqual([125, 125])
  })

  it('never jitters the approach past the start of the window', () => {
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    const late = sequence(3000, { estimate, random: () => 0.99 })
    expect(late).toEqual([131, 1531, 2800])
  })

  it('counts a call just short of the window start as its first call', () => {
    const estimate = { expectedMs: 3000, spreadMs: 0 }
    // A call at 2790 (a wake, a rounded pause) is followed by the window's pace, not a 100 ms step.
    expect(nextPollDelay({ elapsedMs: 2790, estimate, random: middle })).toBe(DENSE_POLL_MS)
    expect(nextPollDelay({ elapsedMs: 2600, estimate, random: middle })).toBe(200)
  })

  it('goes to the window start instead of stopping less than 500 ms short of it', () => {
    // Window 2510..3090 (w = 290): after the call at 1290 the 1220 ms pause jittered down
    // to 1159 ms would land at 2449, 61 ms short: the call is made at 2510 instead.
    const estimate = { expectedMs: 2800, spreadMs: 580 }
    expect(nextPollDelay({ elapsedMs: 1290, estimate, random: () => 0 })).toBe(1220)
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
    // The grid's next call after 10 s comes sooner than 2.5 s; the server's interval wins.
    expect(nextPollDelay({ elapsedMs: 10_000, random: middle })).toBeLessThan(2500)
    expect(nextPollDelay({ elapsedMs: 10_000, serverMs: 2500, random: middle })).toBe(2500)
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

  it('gives the jobs of a model followed together their turns, with one offset per group', () => {
    const draws = [0.25, 0.75]
    const latencies = new ModelLatencies(() => draws.shift() ?? 0)
    const now = performance.now()
    const a = latencies.follow('m', now)
    const b = latencies.follow('m', now)
    const other = latencies.follow('n', now)
    expect(a.turn()).toEqual({ index: 0, of: 2, offset: 0.25 })
    expect(b.turn()).toEqual({ index: 1, of: 2, offset: 0.25 })
    expect(other.turn()).toEqual({ index: 0, of: 1, offset: 0.75 })
    a.close()
    expect(b.turn()).toEqual({ index: 0, of: 1, offset: 0.25 })
    b.close()
    // The next group of the model draws its own offset.
    const c = latencies.follow('m', now)
    expect(c.turn()).toEqual({ index: 0, of: 1, offset: 0 })
    for (const job of [c, other]) job.close()
  })

  it('keeps the server interval when a sibling that completed wakes a job early', async () => {
    const latencies = new ModelLatencies(() => 0)
    /** Follows two jobs of one model; `a` completes after 50 ms; returns `b`'s wait in ms. */
    async function waitOfWoken(serverMs: number | undefined): Promise<number> {
      const now = performance.now()
      const a = latencies.follow('m', now)
      const b = latencies.follow('m', now)
      const poll = { learn: false, lastCallMs: 0, answeredMs: 0, serverMs, random: middle }
      const waiting = waitForNextCall(b, poll, {})
      await new Promise((resolve) => setTimeout(resolve, 50))
      a.notReady(0)
      a.ready(a.elapsedMs())
      const calledAt = await waiting
      for (const job of [a, b]) job.close()
      return calledAt
    }
    // Without a server interval the wake ends the wait at once (the grid's call was ~600 ms).
    expect(await waitOfWoken(undefined)).toBeLessThan(300)
    // With one, the call still waits for it: 400 ms after the answer.
    expect(await waitOfWoken(400)).toBeGreaterThanOrEqual(399)
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
