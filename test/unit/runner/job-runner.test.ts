import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger, silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { JobHandle, McpModelJob } from '../../../src/providers/kinds/job.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { fakeConnect, text, type FakeServerSpec } from '../mcp/fake-servers.js'

const ctx = { logger: silentLogger, redactor: new Redactor(), env: {} }
const entry: McpServerEntry = { kind: 'stdio', command: 'unused', args: [], env: {} }
const pools: McpPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

function pool(
  specs: Record<string, FakeServerSpec>,
  onDemand: string[] = [],
): { pool: McpPool; record: ReturnType<typeof fakeConnect>['record'] } {
  const { connect, record } = fakeConnect(specs)
  const keys = Object.fromEntries(Object.keys(specs).map((k) => [k, entry]))
  const made = new McpPool(keys, ctx, { connect, onDemand })
  pools.push(made)
  return { pool: made, record }
}

const png = async (value: number): Promise<string> =>
  (
    await sharp({
      create: { width: 4, height: 3, channels: 3, background: { r: value, g: 0, b: 0 } },
    })
      .png()
      .toBuffer()
  ).toString('base64')

/** A submit/status/result server whose job completes on the `doneAfter`-th status call. */
function tripleServer(doneAfter: number, seen: string[]): FakeServerSpec {
  let statusCalls = 0
  return {
    tools: [
      {
        name: 'm_submit',
        properties: { prompt: {} },
        handler: () => {
          seen.push('submit')
          return text('{"request_id": "job-7"}')
        },
      },
      {
        name: 'm_status',
        properties: { request_id: {} },
        handler: () => {
          seen.push('status')
          return text(`{"status": "${++statusCalls >= doneAfter ? 'COMPLETED' : 'IN_PROGRESS'}"}`)
        },
      },
      {
        name: 'm_result',
        properties: { request_id: {} },
        handler: async () => {
          seen.push('result')
          return { content: [{ type: 'image', data: await png(200), mimeType: 'image/png' }] }
        },
      },
    ],
  }
}

const job: McpModelJob = {
  provider: 'mcp',
  label: 'test model',
  call: { type: 'async', submit: 'm_submit', status: 'm_status', result: 'm_result' },
  args: { prompt: 'p', unknown: 1 },
  pollIntervalMs: 5,
  answer: 'media',
}

describe('JobRunner', () => {
  it('gives the durable handle to the submitted hook before it waits on the job', async () => {
    const seen: string[] = []
    const { pool: mcp, record } = pool({ s: tripleServer(3, seen) })
    const handles: JobHandle[] = []
    const runner = new JobRunner(
      { mcp },
      {
        onSubmitted: (_job, handle) => {
          handles.push(handle)
          seen.push('hook:submitted')
        },
        onCompleted: () => void seen.push('hook:completed'),
      },
    )
    const output = await runner.run(job, {
      signal: new AbortController().signal,
      logger: silentLogger,
    })
    expect(handles).toEqual([
      {
        provider: 'mcp',
        server: 's',
        tools: ['m_submit', 'm_status', 'm_result'],
        id: 'job-7',
        workflow: null,
      },
    ])
    expect(seen).toEqual([
      'submit',
      'hook:submitted',
      'status',
      'status',
      'status',
      'result',
      'hook:completed',
    ])
    expect(record.calls[0]?.args).toEqual({ prompt: 'p' })
    expect(output.handle.id).toBe('job-7')
    expect(output.media).toHaveLength(1)
  })

  it('reports a failed job to the failed hook with its handle', async () => {
    const failing: FakeServerSpec = {
      tools: [
        { name: 'm_submit', properties: {}, handler: () => text('{"request_id": "job-9"}') },
        {
          name: 'm_status',
          properties: { request_id: {} },
          handler: () => text('{"status": "FAILED", "error": "out of credits"}'),
        },
        { name: 'm_result', properties: {}, handler: () => text('{}') },
      ],
    }
    const { pool: mcp } = pool({ s: failing })
    const failures: [string, string | undefined][] = []
    const runner = new JobRunner(
      { mcp },
      { onFailed: (_job, error, handle) => void failures.push([String(error), handle?.id]) },
    )
    const error = await runner
      .run(job, { signal: new AbortController().signal, logger: silentLogger })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('GEN_001')
    expect(failures).toEqual([[String(error), 'job-9']])
  })

  it('fetches the first media item that verifies, logging the ones that do not', async () => {
    const runner = new JobRunner({})
    const logger = new MemoryLogger()
    const good = Buffer.from(await png(90), 'base64')
    const fetched = await runner.fetchMedia(
      [
        { source: 'image', bytes: Buffer.from('not an image'), mimeType: 'image/png' },
        { source: 'image', bytes: good, mimeType: 'image/png' },
      ],
      {
        signal: new AbortController().signal,
        logger,
        accept: 'image',
        verify: async (bytes) => {
          const meta = await sharp(Buffer.from(bytes))
            .metadata()
            .catch(() => {
              throw new KamuiError('GEN_002', 'not a picture')
            })
          return meta.width
        },
      },
    )
    expect(fetched.value).toBe(4)
    expect(fetched.ref.bytes).toBe(good)
    expect(fetched.downloaded).toBe(false)
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      'GEN_002: not a picture Trying the next media item of the result.',
    ])
  })

  it('refuses a ComfyUI job when the run has no ComfyUI servers', async () => {
    const runner = new JobRunner({})
    await expect(
      runner.run(
        { provider: 'comfyui', label: 'sdxl', template: 'sdxl-text-to-image', params: { seed: 1 } },
        { signal: new AbortController().signal, logger: silentLogger },
      ),
    ).rejects.toMatchObject({ code: 'IMG_002' })
  })
})

describe('McpPool on-demand servers (the embedded preview server)', () => {
  it('searches an on-demand server only when a hint names it', async () => {
    const seen: string[] = []
    const { pool: mcp, record } = pool(
      {
        hosted: { tools: [{ name: 'other', handler: () => text('x') }] },
        'kamui-preview': tripleServer(1, seen),
      },
      ['kamui-preview'],
    )
    expect(mcp.serverKeys).toEqual(['hosted'])
    await expect(mcp.findTool('m_submit')).rejects.toMatchObject({ code: 'IMG_002' })
    expect(record.connects).toEqual(['hosted'])
    const found = await mcp.findTool('m_submit', { hints: ['kamui-preview'] })
    expect(found.server).toBe('kamui-preview')
    expect(record.connects).toEqual(['hosted', 'kamui-preview'])
  })
})
