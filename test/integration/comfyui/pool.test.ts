import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ComfyPool } from '../../../src/providers/comfyui/pool.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { failJob, logText, runJob } from './helpers.js'

/** Several ComfyUI servers: each job goes to the least-loaded healthy one. */

let idle: FakeComfyHandle
let idle2: FakeComfyHandle
let busy: FakeComfyHandle
let down: string
let down2: string

/** A loopback URL nothing listens on. */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

beforeAll(async () => {
  ;[idle, idle2, busy] = await Promise.all([
    startFakeComfyProcess({ jobMs: 300 }),
    startFakeComfyProcess({ jobMs: 300 }),
    startFakeComfyProcess({ externalQueue: 3 }),
  ])
  down = await closedPortUrl()
  down2 = await closedPortUrl()
})
afterAll(async () => {
  await Promise.all([idle?.stop(), idle2?.stop(), busy?.stop()])
})

const JOB = { prompt: 'pool test', seed: 9, width: 64, height: 64, steps: 3 }

describe('ComfyPool', () => {
  it('sends the job to the less-loaded server when the other is busy', async () => {
    const { result } = await runJob([busy.url, idle.url], 'sdxl-text-to-image', JOB)
    expect(result.server).toBe(idle.url)
    expect(await busy.log('prompt')).toEqual([])
  })

  it('skips a server that is down', async () => {
    const { result, logger } = await runJob([down, idle.url], 'sdxl-text-to-image', JOB)
    expect(result.server).toBe(idle.url)
    expect(logText(logger)).toMatch(
      new RegExp(`warn: ComfyUI ${down} skipped: .*not reachable \\(ECONNREFUSED\\)`),
    )
  })

  it('reports loads and health', async () => {
    const pool = new ComfyPool([busy.url, idle.url, down])
    expect(await pool.health()).toEqual([
      { url: busy.url, healthy: true, load: 3 },
      { url: idle.url, healthy: true, load: 0 },
      { url: down, healthy: false, load: null, reason: expect.stringContaining('ECONNREFUSED') },
    ])
  })

  it('spreads concurrent jobs over idle servers, counting its own jobs in flight', async () => {
    const logger = new MemoryLogger()
    const pool = new ComfyPool([idle.url, idle2.url], { logger })
    const results = await Promise.all(
      [1, 2, 3, 4].map((seed) =>
        runJob([], 'sdxl-text-to-image', { ...JOB, seed }, { pool, logger }),
      ),
    )
    const servers = results.map((r) => r.result.server)
    expect(servers.filter((s) => s === idle.url)).toHaveLength(2)
    expect(servers.filter((s) => s === idle2.url)).toHaveLength(2)
    expect(pool.inFlight()).toEqual({ [idle.url]: 0, [idle2.url]: 0 })
  })

  it('fails with a retryable IMG_008 naming every server when none is reachable', async () => {
    const error = (await failJob([down, down2], 'sdxl-text-to-image', JOB)) as Error & {
      code: string
      retryable: boolean
    }
    expect(error.code).toBe('IMG_008')
    expect(error.retryable).toBe(true)
    expect(error.message).toContain(`No ComfyUI server is reachable: ${down} (`)
    expect(error.message).toContain(`; ${down2} (`)
  })
})
