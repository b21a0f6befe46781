import { spawn } from 'node:child_process'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  getDefaultEnvironment,
  StdioClientTransport,
} from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previewServerLaunch } from '../../../src/providers/preview/launch.js'
import { PREVIEW_NOTICE } from '../../../src/providers/preview/result.js'
import {
  fakeKamuiStdioConfig,
  RATE_LIMIT_TEXT,
  startFakeKamui,
  type FakeKamuiHandle,
} from '../../fixtures/servers/start-fake-kamui.js'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((item) => item.type === 'text')
    .map((item) => item.text)
    .join('\n')
}

async function poll(
  client: Client,
  tool: string,
  requestId: string,
  done: RegExp,
): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const status = textOf(await call(client, tool, { request_id: requestId }))
    if (done.test(status)) return status
    await sleep(50)
  }
  throw new Error(`${tool} never matched ${done}`)
}

describe('embedded preview server over stdio', () => {
  let client: Client

  beforeAll(async () => {
    const launch = previewServerLaunch()
    expect(launch.command).toBe(process.execPath)
    client = new Client({ name: 'preview-test', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        ...launch,
        env: { ...getDefaultEnvironment(), KAMUI_PREVIEW_LATENCY_MS: '300' },
        stderr: 'pipe',
      }),
    )
  })
  afterAll(async () => {
    await client?.close()
  })

  const args = {
    prompt: 'a lighthouse on a cliff at sunset',
    seed: 3,
    width: 320,
    height: 240,
    model: 'imagen4-fast',
  }

  function checkPreview(result: CallToolResult): Buffer {
    expect(result.isError).toBeFalsy()
    const resource = result.content.find((item) => item.type === 'resource')
    if (resource?.type !== 'resource' || !('blob' in resource.resource))
      throw new Error('no embedded blob')
    expect(resource.resource.mimeType).toBe('image/png')
    expect(resource.resource.uri).toMatch(/^preview:\/\/image\/[0-9a-f]{16}\.png$/)
    const meta = JSON.parse(textOf(result)) as Record<string, unknown>
    expect(meta).toEqual({
      preview: true,
      notice: PREVIEW_NOTICE,
      url: resource.resource.uri,
      seed: 3,
      width: 320,
      height: 240,
      stand_in_for: 'imagen4-fast',
    })
    return Buffer.from(resource.resource.blob, 'base64')
  }

  it('lists the synchronous tool and the submit / status / result triple', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name).sort()).toEqual([
      'preview_enhance_keyframe',
      'preview_estimate_depth',
      'preview_generate_image',
      'preview_generate_video',
      'preview_image_result',
      'preview_image_status',
      'preview_image_submit',
      'preview_render_keyframe',
      'preview_video_result',
      'preview_video_status',
      'preview_video_submit',
    ])
    const submit = tools.find((t) => t.name === 'preview_image_submit')
    expect(submit?.inputSchema.required).toEqual(['prompt'])
  })

  it('renders synchronously and through submit / status / result, with identical labelled PNGs', async () => {
    const png = checkPreview(await call(client, 'preview_generate_image', args))
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 320, height: 240 })

    const submitted = JSON.parse(
      textOf(await call(client, 'preview_image_submit', args)),
    ) as Record<string, unknown>
    expect(submitted).toEqual({ request_id: expect.any(String), status: 'queued' })
    const id = submitted.request_id as string

    expect(
      JSON.parse(textOf(await call(client, 'preview_image_status', { request_id: id }))),
    ).toEqual({
      request_id: id,
      status: 'queued',
    })
    const early = await call(client, 'preview_image_result', { request_id: id })
    expect(early.isError).toBe(true)
    expect(textOf(early)).toMatch(/not finished/)

    await poll(client, 'preview_image_status', id, /"completed"/)
    expect(
      checkPreview(await call(client, 'preview_image_result', { request_id: id })).equals(png),
    ).toBe(true)
  })

  it('answers unknown ids and bad arguments with isError results', async () => {
    const unknown = await call(client, 'preview_image_status', { request_id: 'nope' })
    expect(unknown.isError).toBe(true)
    expect(textOf(unknown)).toMatch(/Unknown request_id/)
    expect((await call(client, 'preview_image_result', { request_id: 'nope' })).isError).toBe(true)
    expect((await call(client, 'preview_generate_image', { prompt: '  ' })).isError).toBe(true)
    expect((await call(client, 'preview_generate_image', { prompt: 'x', width: 10 })).isError).toBe(
      true,
    )
  })
})

describe('embedded preview server process', () => {
  it('exits with code 0 when its stdin closes', async () => {
    const launch = previewServerLaunch()
    const child = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    )
    let stderr = ''
    child.stderr.setEncoding('utf8')
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk
        if (stderr.includes('ready')) resolve()
      }),
    )
    child.stdin.end()
    expect(await exited).toBe(0)
    expect(stderr).toMatch(/stdin closed/)
  })
})

describe('fake KamuiCode server over Streamable HTTP', () => {
  let fake: FakeKamuiHandle

  beforeAll(async () => {
    fake = await startFakeKamui({ latencyMs: 150, rateLimitFirst: 1 })
  })
  afterAll(async () => {
    await fake?.stop()
  })

  async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const transport = new StreamableHTTPClientTransport(new URL(fake.url), {
      requestInit: { headers: { 'KAMUI-CODE-PASS': fake.pass } },
    })
    const client = new Client({ name: 'fake-test', version: '1.0.0' })
    await client.connect(transport)
    return { client, transport }
  }

  it('refuses requests without the KAMUI-CODE-PASS header with HTTP 401', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'x', version: '1' },
      },
    }
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    }
    const missing = await fetch(fake.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(initialize),
    })
    expect(missing.status).toBe(401)
    expect(await missing.json()).toMatchObject({ error: 'unauthorized' })
    const wrong = await fetch(fake.url, {
      method: 'POST',
      headers: { ...headers, 'KAMUI-CODE-PASS': 'wrong' },
      body: JSON.stringify(initialize),
    })
    expect(wrong.status).toBe(401)

    const client = new Client({ name: 'no-pass', version: '1.0.0' })
    await expect(
      client.connect(new StreamableHTTPClientTransport(new URL(fake.url))),
    ).rejects.toThrow(/401|nauthorized/)
  })

  it('rate-limits the first submit with HTTP 429, then runs a full submit / status / result round trip', async () => {
    const { client, transport } = await connect()
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name)
      for (const prefix of [
        'imagen4_fast',
        'imagen4_ultra',
        'flux_schnell',
        'imagen3',
        'rundiffusion_photo_flux',
      ]) {
        expect(tools).toEqual(
          expect.arrayContaining([`${prefix}_submit`, `${prefix}_status`, `${prefix}_result`]),
        )
      }
      const args = { prompt: 'a red bicycle', aspect_ratio: '16:9', seed: 42 }
      await expect(call(client, 'imagen4_fast_submit', args)).rejects.toThrow(/429/)

      const submitted = JSON.parse(textOf(await call(client, 'imagen4_fast_submit', args))) as {
        request_id: string
      }
      expect(submitted.request_id).toMatch(/^[0-9a-f-]{36}$/)
      const early = await call(client, 'imagen4_fast_result', { request_id: submitted.request_id })
      expect(early.isError).toBe(true)
      expect(
        await poll(client, 'imagen4_fast_status', submitted.request_id, /COMPLETED/),
      ).toContain('"COMPLETED"')

      const result = JSON.parse(
        textOf(await call(client, 'imagen4_fast_result', { request_id: submitted.request_id })),
      ) as {
        images: { url: string; content_type: string; width: number; height: number }[]
        seed: number
      }
      expect(result.seed).toBe(42)
      expect(result.images).toHaveLength(1)
      const image = result.images[0]
      expect(image).toMatchObject({ content_type: 'image/png', width: 1024, height: 576 })
      expect(image?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${fake.port}/files/.+\\.png$`))

      const response = await fetch(image?.url ?? '')
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('image/png')
      const bytes = Buffer.from(await response.arrayBuffer())
      const meta = await sharp(bytes).metadata()
      expect(meta).toMatchObject({ format: 'png', width: 1024, height: 576 })
      expect((await sharp(bytes).stats()).entropy).toBeGreaterThan(5)

      const calls = await fake.calls()
      expect(calls.map((c) => `${c.tool}:${c.outcome}`).slice(0, 2)).toEqual([
        'imagen4_fast_submit:http_429',
        'imagen4_fast_submit:ok',
      ])
      expect(calls[1]?.args).toMatchObject(args)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })
})

describe('fake KamuiCode server over stdio', () => {
  it('honours the fault knobs: stdio rate limit, failing model, varied status wording, crash', async () => {
    const config = fakeKamuiStdioConfig({
      latencyMs: 60,
      rateLimitFirst: 1,
      failModels: ['flux_schnell'],
      crashOnPrompt: 'CRASH NOW',
    })
    const transport = new StdioClientTransport({ ...config, stderr: 'pipe' })
    const client = new Client({ name: 'fake-stdio-test', version: '1.0.0' })
    await client.connect(transport)
    try {
      const limited = await call(client, 'imagen3_submit', { prompt: 'a cat' })
      expect(limited.isError).toBe(true)
      expect(textOf(limited)).toBe(RATE_LIMIT_TEXT)

      const { request_id: catId } = JSON.parse(
        textOf(await call(client, 'imagen3_submit', { prompt: 'a cat' })),
      ) as {
        request_id: string
      }
      expect(await poll(client, 'imagen3_status', catId, /completed/)).toBe('Status: completed')

      const { request_id: fluxId } = JSON.parse(
        textOf(await call(client, 'flux_schnell_submit', { prompt: 'a dog' })),
      ) as {
        request_id: string
      }
      expect(await poll(client, 'flux_schnell_status', fluxId, /failed/)).toContain(
        'model flux_schnell failed: content policy',
      )
      const failed = await call(client, 'flux_schnell_result', { request_id: fluxId })
      expect(failed.isError).toBe(true)
      expect(textOf(failed)).toBe('model flux_schnell failed: content policy')

      await expect(
        call(client, 'imagen4_ultra_submit', { prompt: 'please CRASH NOW' }),
      ).rejects.toThrow()
    } finally {
      await client.close()
    }
  })
})
