import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isKamuiError, type KamuiError } from '../../../src/core/errors.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import {
  runImageGeneration,
  type ImageGenerationResult,
} from '../../../src/stages/image-generation/run.js'
import {
  fakeKamuiStdioConfig,
  startFakeKamui,
  type FakeKamuiHandle,
  type FakeKamuiOptions,
} from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

/** Fast retries for tests; the server's Retry-After (1 s) is still honoured. */
const retryPolicy = { retries: 3, minDelayMs: 20, maxDelayMs: 100 }
const servers: FakeKamuiHandle[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

async function fake(options: Omit<FakeKamuiOptions, 'transport'> = {}): Promise<FakeKamuiHandle> {
  const server = await startFakeKamui({ latencyMs: 50, ...options })
  servers.push(server)
  return server
}

async function run(
  mcpServers: Record<string, unknown>,
  raw: Record<string, string> = {},
): Promise<{ workspace: string; result?: ImageGenerationResult; error?: KamuiError }> {
  const workspace = await tempWorkspace()
  const inputs = parseV2Inputs({
    'image-prompt': 'A bouquet of roses',
    'folder-name': 'out',
    'mcp-config': JSON.stringify({ mcpServers }),
    models: 'imagen4-fast',
    'image-size': '128x128',
    seed: '1',
    ...raw,
  })
  try {
    const result = await runImageGeneration(inputs, testContext(workspace, { retryPolicy }))
    return { workspace, result }
  } catch (error) {
    if (!isKamuiError(error)) throw error
    return { workspace, error }
  }
}

describe('fault handling against real MCP server processes', () => {
  it('retries a rate limit (HTTP 429 with Retry-After) and then succeeds', async () => {
    const server = await fake({ rateLimitFirst: 2 })
    const { result } = await run({ 'imagen4-fast': server.entry() })
    const image = result?.report.images[0]
    expect(image?.status).toBe('ok')
    expect(image?.attempts).toBe(3)
    expect(image?.retried_errors.map((e) => e.code)).toEqual(['IMG_006', 'IMG_006'])
    const submits = (await server.calls()).filter((c) => c.tool === 'imagen4_fast_submit')
    expect(submits.map((c) => c.outcome)).toEqual(['http_429', 'http_429', 'ok'])
    // Retry-After: 1 is honoured: no retry came sooner than a second after the refusal.
    expect((submits[1]?.t ?? 0) - (submits[0]?.t ?? 0)).toBeGreaterThanOrEqual(950)
  })

  it('fails with IMG_006 when the rate limit outlasts the retries', async () => {
    const server = await fake({ rateLimitFirst: 10 })
    const { error, workspace } = await run(
      { 'imagen4-fast': server.entry() },
      { 'per-image-timeout': '20' },
    )
    expect(error?.code).toBe('IMG_006')
    expect(error?.message).toMatch(/No image was generated\. image 1 \(imagen4-fast\): IMG_006/)
    expect((await server.calls()).filter((c) => c.tool === 'imagen4_fast_submit')).toHaveLength(4)
    expect(existsSync(path.join(workspace, 'out/metadata/generation-report.json'))).toBe(true)
  })

  it('fails fast with IMG_007 on an authentication failure, without retrying', async () => {
    const server = await fake({ authFail: true })
    const { error } = await run({ 'imagen4-fast': server.entry() })
    expect(error?.code).toBe('IMG_007')
    expect((await server.calls()).filter((c) => c.tool === 'imagen4_fast_submit')).toHaveLength(1)
  })

  it('fails with IMG_007 when the server refuses the KAMUI-CODE-PASS header', async () => {
    const server = await fake()
    const { error } = await run({
      'imagen4-fast': { ...server.entry(), headers: { 'KAMUI-CODE-PASS': 'wrong' } },
    })
    expect(error?.code).toBe('IMG_007')
  })

  it('stops a job that never finishes at the per-image deadline with IMG_003', async () => {
    const server = await fake({ neverFinish: true })
    const started = performance.now()
    const { error } = await run({ 'imagen4-fast': server.entry() }, { 'per-image-timeout': '1.5' })
    expect(error?.code).toBe('IMG_003')
    expect(error?.message).toMatch(/per-image-timeout/)
    expect(performance.now() - started).toBeLessThan(8000)
  })

  it('keeps every good image when one model fails permanently', async () => {
    const server = await fake({ failModels: ['flux_schnell'] })
    const { result, workspace } = await run(
      { kamui: server.entry() },
      { models: 'imagen4-fast,flux-schnell', 'image-count': '4' },
    )
    expect(result?.images.map((i) => i.index)).toEqual([1, 3])
    expect(result?.failures.map((f) => [f.index, f.error?.code])).toEqual([
      [2, 'GEN_001'],
      [4, 'GEN_001'],
    ])
    expect(result?.failures[0]?.error?.message).toMatch(/content policy/)
    expect(result?.report.warnings).toHaveLength(2)
    expect(await listFiles(path.join(workspace, 'out/images'))).toEqual([
      'generated-image-1.png',
      'generated-image-3.png',
      'generated-image.png',
    ])
  })

  it('reports a server process that dies mid-run and keeps the other images', async () => {
    const healthy = await fake({ models: ['flux_schnell'] })
    const crashing = fakeKamuiStdioConfig({
      crashOnPrompt: 'roses',
      models: ['imagen4_fast'],
      latencyMs: 50,
    })
    const { result, workspace } = await run(
      { 't2i-kamui-imagen4-fast': crashing, 't2i-kamui-flux-schnell': healthy.entry() },
      { models: 'imagen4-fast,flux-schnell' },
    )
    expect(result?.images.map((i) => i.model)).toEqual(['flux-schnell'])
    const failure = result?.failures[0]
    expect(failure?.error?.code).toBe('MCP_001')
    expect(failure?.error?.message).toMatch(/t2i-kamui-imagen4-fast/)
    expect(failure?.attempts).toBe(4)
    expect(existsSync(path.join(workspace, 'out/images/generated-image-2.png'))).toBe(true)
  })

  it('rejects a result whose bytes are not an image and saves nothing', async () => {
    const server = await fake({ garbageBytes: true })
    const { error, workspace } = await run({ 'imagen4-fast': server.entry() })
    expect(error?.code).toBe('GEN_002')
    expect(error?.message).toMatch(/not an image/)
    expect(
      (await listFiles(path.join(workspace, 'out'))).filter((f) => f.endsWith('.png')),
    ).toEqual([])
  })
})

describe('fallback, total deadline and cancellation', () => {
  it('falls back to another model when a model is not available (IMG_002)', async () => {
    const server = await fake({ models: ['flux_schnell'] })
    const { result } = await run({ kamui: server.entry() }, { models: 'imagen4-fast' })
    const image = result?.report.images[0]
    expect(image).toMatchObject({
      status: 'ok',
      requested_model: 'imagen4-fast',
      model: 'flux-schnell',
      fallback_from: 'imagen4-fast',
    })
    expect(image?.retried_errors.map((e) => e.code)).toEqual(['IMG_002'])
    expect((await server.calls()).map((c) => c.tool)).toContain('flux_schnell_submit')
  })

  it('stops everything at the total deadline with IMG_003', async () => {
    const server = await fake({ neverFinish: true })
    const { error } = await run(
      { kamui: server.entry() },
      { 'image-count': '2', 'total-timeout': '1.5' },
    )
    expect(error?.code).toBe('IMG_003')
    expect(error?.message).toMatch(/total-timeout/)
  })

  it('writes what it has and the report when cancelled, then fails with RUN_001', async () => {
    const quick = await fake({ models: ['flux_schnell'] })
    const stuck = await fake({ models: ['imagen4_fast'], neverFinish: true })
    const workspace = await tempWorkspace()
    const controller = new AbortController()
    const context = testContext(workspace, { retryPolicy, signal: controller.signal })
    const inputs = parseV2Inputs({
      'image-prompt': 'roses',
      'folder-name': 'out',
      'mcp-config': JSON.stringify({
        mcpServers: { 'imagen4-fast': stuck.entry(), 'flux-schnell': quick.entry() },
      }),
      models: 'imagen4-fast,flux-schnell',
      'image-size': '128x128',
    })
    // Cancel the moment the quick model's image is written, before it is scored (the stuck
    // job is still running): the written image must stay a made image, unscored.
    const info = context.logger.info.bind(context.logger)
    context.logger.info = (message: string) => {
      info(message)
      if (message.includes('written to images/generated-image-2.png')) controller.abort()
    }
    const error = await runImageGeneration(inputs, context).catch((e: unknown) => e)
    expect(isKamuiError(error) && error.code).toBe('RUN_001')
    expect((error as Error).message).toMatch(/1 image\(s\) made before that were kept/)
    const report = JSON.parse(
      await readFile(path.join(workspace, 'out/metadata/generation-report.json'), 'utf8'),
    ) as {
      generation_summary: { cancelled: boolean }
      images: { status: string; quality_score: number | null; quality_note: string | null }[]
    }
    expect(report.generation_summary.cancelled).toBe(true)
    expect(report.images.map((i) => i.status)).toEqual(['failed', 'ok'])
    expect(report.images[1]).toMatchObject({ quality_score: null })
    expect(report.images[1]?.quality_note).toMatch(/^not measured: .*cancel/i)
    expect(existsSync(path.join(workspace, 'out/images/generated-image-2.png'))).toBe(true)
  })
})

describe('bad input fails fast and writes nothing', () => {
  const secret = 's3cr3t-pass-value'
  it.each([
    ['image-count 0', { 'image-count': '0' }, 'IMG_001'],
    ['image-count 11', { 'image-count': '11' }, 'IMG_001'],
    ['image-count abc', { 'image-count': 'abc' }, 'IMG_001'],
    ['an unknown model', { models: 'dall-e' }, 'IMG_002'],
    [
      'malformed mcp-config',
      { 'mcp-config': `{"mcpServers": {"x": {"headers": {"P": "${secret}"}},}` },
      'CFG_002',
    ],
    ['a folder above the workspace', { 'folder-name': '../escape' }, 'FS_001'],
    [
      'an absolute folder elsewhere',
      { 'folder-name': path.join(path.sep, 'tmp', `elsewhere-${process.pid}`) },
      'FS_001',
    ],
    ['an empty prompt', { 'image-prompt': '' }, 'IMG_009'],
  ])('%s → %s', async (_name, raw, code) => {
    const workspace = await tempWorkspace()
    const context = testContext(workspace)
    const error = await (async () =>
      runImageGeneration(
        parseV2Inputs({ 'image-prompt': 'x', 'folder-name': 'out', ...raw }),
        context,
      ))().catch((e: unknown) => e)
    expect(isKamuiError(error) && error.code).toBe(code)
    expect((error as Error).message).not.toContain(secret)
    if (code === 'IMG_002')
      expect((error as Error).message).toMatch(/Known image models: .*flux-schnell.*imagen4-fast/)
    expect(await listFiles(workspace)).toEqual([])
    expect(existsSync(path.join(path.sep, 'tmp', `elsewhere-${process.pid}`))).toBe(false)
  })
})
