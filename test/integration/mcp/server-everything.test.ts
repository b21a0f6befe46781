import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadlineSignal } from '../../../src/core/abort.js'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { invokeTool } from '../../../src/runner/job-runner.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'
import { toPng } from '../../../src/media/to-png.js'
import {
  everythingBin,
  freePort,
  isAlive,
  startEverything,
  type RunningServer,
} from '../../fixtures/servers/everything.js'

function context(): McpProviderContext {
  return { logger: new MemoryLogger(), redactor: new Redactor(), env: { PATH: process.env.PATH } }
}

async function caught(promise: Promise<unknown>): Promise<KamuiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(KamuiError)
  return error as KamuiError
}

/** The same checks over each transport. */
function suite(
  name: string,
  servers: () => Record<string, McpServerEntry>,
  expectedFailure: string,
): void {
  describe(name, () => {
    let pool: McpPool
    beforeAll(() => {
      pool = new McpPool(servers(), context(), { connectTimeoutMs: 20_000 })
    })
    afterAll(async () => {
      const pids = pool.connections().map((c) => c.pid)
      await pool.close()
      for (const pid of pids) if (pid !== undefined) expect(isAlive(pid)).toBe(false)
    })

    it('finds get-tiny-image on the working server and records the broken one', async () => {
      const location = await pool.findTool('get-tiny-image')
      expect(location).toEqual({
        server: 'everything',
        tool: 'get-tiny-image',
        inputProperties: [],
      })
      expect(Object.keys(pool.failedServers())).toEqual(['broken'])
      expect(pool.failedServers().broken?.code).toBe(expectedFailure)
    })

    it('invokes get-tiny-image and gets a PNG', async () => {
      const out = await invokeTool(
        pool,
        { type: 'sync', tool: 'get-tiny-image' },
        { prompt: 'ignored', seed: 1 },
      )
      expect(out.server).toBe('everything')
      expect(out.media[0]?.source).toBe('image')
      expect(out.media[0]?.mimeType).toBe('image/png')
      const png = await toPng(out.media[0]?.bytes ?? new Uint8Array())
      expect(png.format).toBe('png')
      expect(png.width).toBeGreaterThan(0)
    })

    it('reports an unknown tool as IMG_002', async () => {
      const error = await caught(
        invokeTool(pool, { type: 'sync', tool: 'imagen4_fast_submit' }, {}),
      )
      expect(error.code).toBe('IMG_002')
      expect(error.message).toContain('searched: everything')
      expect(error.message).toContain('failed to connect: broken')
    })

    it('aborts a long-running tool at the deadline with IMG_003', async () => {
      const location = await pool.findTool('trigger-long-running-operation')
      const deadline = deadlineSignal(300, 'trigger-long-running-operation')
      const started = Date.now()
      const error = await caught(
        pool.callTool(
          location,
          { duration: 10, steps: 10 },
          { signal: deadline.signal, timeoutMs: 60_000 },
        ),
      )
      deadline.clear()
      expect(error.code).toBe('IMG_003')
      expect(Date.now() - started).toBeLessThan(3000)
      const after = await pool.callTool(await pool.findTool('echo'), { message: 'still alive' })
      expect(JSON.stringify(after.content)).toContain('still alive')
    })
  })
}

const stdioPids: number[] = []

suite(
  'server-everything over stdio',
  () => ({
    broken: { kind: 'stdio', command: '/nonexistent/kamui-no-such-command', args: [], env: {} },
    everything: {
      kind: 'stdio',
      command: process.execPath,
      args: [everythingBin(), 'stdio'],
      env: {},
    },
  }),
  'MCP_001',
)

let http: RunningServer | undefined
let closedPort = 0

describe('server-everything over Streamable HTTP', () => {
  beforeAll(async () => {
    http = await startEverything('streamableHttp')
    closedPort = await freePort()
  }, 30_000)
  afterAll(async () => {
    await http?.stop()
  })

  suite(
    'pool',
    () => ({
      broken: {
        kind: 'remote',
        url: `http://127.0.0.1:${closedPort}/mcp`,
        headers: {},
        transport: 'http',
      },
      everything: {
        kind: 'remote',
        url: `http://127.0.0.1:${http?.port ?? 0}/mcp`,
        headers: { 'KAMUI-CODE-PASS': 's3cr3t-value' },
        transport: 'http',
      },
    }),
    'IMG_008',
  )
})

describe('process lifecycle', () => {
  it('close() leaves no stdio child behind, and a killed server is restarted', async () => {
    const pool = new McpPool(
      {
        everything: {
          kind: 'stdio',
          command: process.execPath,
          args: [everythingBin(), 'stdio'],
          env: {},
        },
      },
      context(),
    )
    try {
      const location = await pool.findTool('echo')
      const first = pool.connections()[0]?.pid
      expect(first).toBeTypeOf('number')
      stdioPids.push(first ?? 0)
      process.kill(first ?? 0, 'SIGKILL')
      await expect.poll(() => pool.connections().length, { timeout: 5000 }).toBe(0)
      const result = await pool.callTool(location, { message: 'again' })
      expect(JSON.stringify(result.content)).toContain('again')
      const second = pool.connections()[0]?.pid
      expect(second).toBeTypeOf('number')
      expect(second).not.toBe(first)
      stdioPids.push(second ?? 0)
    } finally {
      await pool.close()
    }
    for (const pid of stdioPids) expect(isAlive(pid)).toBe(false)
    expect(pool.connections()).toEqual([])
  })
})
