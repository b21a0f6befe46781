import { afterEach, describe, expect, it } from 'vitest'
import { deadlineSignal } from '../../../src/core/abort.js'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger, silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { filterArguments } from '../../../src/providers/mcp/invoke.js'
import { invokeTool } from '../../../src/runner/job-runner.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpProviderContext } from '../../../src/providers/mcp/types.js'
import { fakeConnect, text, type FakeServerSpec } from './fake-servers.js'

const redactor = new Redactor()
redactor.add('fal-key-secret')
const ctx: McpProviderContext = { logger: silentLogger, redactor, env: {} }
const entry: McpServerEntry = { kind: 'stdio', command: 'unused', args: [], env: {} }
const pools: McpPool[] = []
const IMAGE_URL = 'https://v3.fal.media/files/rabbit/out.png'
const imagenCall = {
  type: 'async',
  submit: 'imagen4_fast_submit',
  status: 'imagen4_fast_status',
  result: 'imagen4_fast_result',
} as const

function makePool(specs: Record<string, FakeServerSpec>): {
  pool: McpPool
  record: ReturnType<typeof fakeConnect>['record']
} {
  const { connect, record } = fakeConnect(specs)
  const pool = new McpPool(Object.fromEntries(Object.keys(specs).map((k) => [k, entry])), ctx, {
    connect,
  })
  pools.push(pool)
  return { pool, record }
}

/** An imagen-like async server whose status tool answers `statuses` in turn (last repeats). */
function imagenServer(
  statuses: string[],
  options: { submitText?: string; resultText?: string } = {},
): FakeServerSpec {
  let i = 0
  return {
    tools: [
      {
        name: 'imagen4_fast_submit',
        properties: { prompt: {}, seed: {}, aspect_ratio: {} },
        handler: () => text(options.submitText ?? '{"request_id": "req-42", "status": "IN_QUEUE"}'),
      },
      {
        name: 'imagen4_fast_status',
        properties: { request_id: {} },
        handler: () => {
          const status = statuses[Math.min(i++, statuses.length - 1)] ?? 'IN_QUEUE'
          if (status === 'HTTP503')
            return { isError: true, content: [{ type: 'text', text: '503 Service Unavailable' }] }
          return text(
            JSON.stringify({
              status,
              ...(status === 'FAILED' ? { error: 'NSFW with fal-key-secret' } : {}),
            }),
          )
        },
      },
      {
        name: 'imagen4_fast_result',
        properties: { request_id: {} },
        handler: () =>
          text(
            options.resultText ??
              JSON.stringify({ images: [{ url: IMAGE_URL, content_type: 'image/png' }] }),
          ),
      },
    ],
  }
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

describe('filterArguments', () => {
  it('keeps only declared properties, and sends {} to tools without properties', () => {
    const args = {
      prompt: 'a cat',
      seed: 7,
      aspect_ratio: '16:9',
      output_format: 'png',
      negative: undefined,
    }
    expect(
      filterArguments(
        { server: 's', tool: 't', inputProperties: ['prompt', 'seed', 'aspect_ratio', 'negative'] },
        args,
      ),
    ).toEqual({
      prompt: 'a cat',
      seed: 7,
      aspect_ratio: '16:9',
    })
    expect(
      filterArguments({ server: 's', tool: 'get-tiny-image', inputProperties: [] }, args),
    ).toEqual({})
  })
})

describe('invokeTool', () => {
  it('runs a sync tool and returns its media', async () => {
    const { pool, record } = makePool({
      s: {
        tools: [
          {
            name: 'flux',
            properties: { prompt: {} },
            handler: () => ({
              content: [
                {
                  type: 'image',
                  data: Buffer.from('fake').toString('base64'),
                  mimeType: 'image/png',
                },
              ],
            }),
          },
        ],
      },
    })
    const out = await invokeTool(pool, { type: 'sync', tool: 'flux' }, { prompt: 'p', seed: 1 })
    expect(out.server).toBe('s')
    expect(out.tools).toEqual(['flux'])
    expect(out.requestId).toBeUndefined()
    expect(Buffer.from(out.media[0]?.bytes ?? []).toString()).toBe('fake')
    expect(record.calls[0]?.args).toEqual({ prompt: 'p' })
  })

  it('submits, polls until completed, and fetches the result', async () => {
    const { pool, record } = makePool({
      'other-imagen': {
        tools: [{ name: 'imagen4_fast_status', handler: () => text('{"status":"FAILED"}') }],
      },
      't2i-kamui-imagen4-fast': imagenServer(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']),
    })
    const seen: string[] = []
    const out = await invokeTool(
      pool,
      imagenCall,
      { prompt: 'a fox', seed: 3, aspect_ratio: '1:1', extra: true },
      {
        pollIntervalMs: 5,
        hints: ['imagen4-fast'],
        onStatus: (status) => seen.push(status),
      },
    )
    expect(out).toMatchObject({
      server: 't2i-kamui-imagen4-fast',
      tools: ['imagen4_fast_submit', 'imagen4_fast_status', 'imagen4_fast_result'],
      requestId: 'req-42',
      media: [{ source: 'json', url: IMAGE_URL, mimeType: 'image/png' }],
    })
    expect(seen).toEqual(['pending', 'pending', 'completed'])
    expect(record.calls.map((c) => [c.server, c.tool, c.args])).toEqual([
      [
        't2i-kamui-imagen4-fast',
        'imagen4_fast_submit',
        { prompt: 'a fox', seed: 3, aspect_ratio: '1:1' },
      ],
      ['t2i-kamui-imagen4-fast', 'imagen4_fast_status', { request_id: 'req-42' }],
      ['t2i-kamui-imagen4-fast', 'imagen4_fast_status', { request_id: 'req-42' }],
      ['t2i-kamui-imagen4-fast', 'imagen4_fast_status', { request_id: 'req-42' }],
      ['t2i-kamui-imagen4-fast', 'imagen4_fast_result', { request_id: 'req-42' }],
    ])
  })

  it('tolerates a transient status failure', async () => {
    const { pool } = makePool({ s: imagenServer(['HTTP503', 'COMPLETED']) })
    const logger = new MemoryLogger()
    const out = await invokeTool(pool, imagenCall, { prompt: 'x' }, { pollIntervalMs: 5, logger })
    expect(out.media).toHaveLength(1)
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes('IMG_008'))).toBe(true)
  })

  it('fails with GEN_001 and the redacted job error when the job fails', async () => {
    const { pool } = makePool({ s: imagenServer(['IN_PROGRESS', 'FAILED']) })
    const error = (await invokeTool(pool, imagenCall, { prompt: 'x' }, { pollIntervalMs: 5 }).catch(
      (e: unknown) => e,
    )) as KamuiError
    expect(error.code).toBe('GEN_001')
    expect(error.message).toContain('req-42')
    expect(error.message).toContain('NSFW with ***')
  })

  it('fails with GEN_001 when submit returns no request id', async () => {
    const { pool } = makePool({ s: imagenServer(['COMPLETED'], { submitText: 'accepted' }) })
    await expect(
      invokeTool(pool, imagenCall, { prompt: 'x' }, { pollIntervalMs: 5 }),
    ).rejects.toThrow(/GEN_001: .*returned no request_id \(answer: accepted\)/)
  })

  it('fails with GEN_001 when the result holds no media', async () => {
    const { pool } = makePool({ s: imagenServer(['COMPLETED'], { resultText: '{"images": []}' }) })
    await expect(
      invokeTool(pool, imagenCall, { prompt: 'x' }, { pollIntervalMs: 5 }),
    ).rejects.toThrow(/GEN_001: .*the result held no media/)
  })

  it('stops at the deadline with IMG_003', async () => {
    const { pool } = makePool({ s: imagenServer(['IN_PROGRESS']) })
    const deadline = deadlineSignal(150, 'imagen4-fast image 1')
    const started = Date.now()
    const error = (await invokeTool(
      pool,
      imagenCall,
      { prompt: 'x' },
      { pollIntervalMs: 20, signal: deadline.signal },
    ).catch((e: unknown) => e)) as KamuiError
    deadline.clear()
    expect(error.code).toBe('IMG_003')
    expect(error.message).toContain('imagen4-fast image 1 did not finish within')
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('throws IMG_002 when the status tool is not on the submit server', async () => {
    const { pool } = makePool({
      a: { tools: [{ name: 'imagen4_fast_submit', handler: () => text('{"request_id":"1"}') }] },
      b: imagenServer(['COMPLETED']),
    })
    await expect(
      invokeTool(pool, imagenCall, {}, { hints: ['a'], pollIntervalMs: 5 }),
    ).rejects.toMatchObject({ code: 'IMG_002' })
  })
})
