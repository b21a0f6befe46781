import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { ALLOW_BUNDLED_FFMPEG } from '../../helpers/tools.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { ffprobe, FIRST_PICTURE, LAST_PICTURE, writePng } from './media-helpers.js'

const FAST_RETRY = { retries: 1, minDelayMs: 10, maxDelayMs: 20 }

describe('video-generation with a hosted model (fake hailuo_02 over Streamable HTTP)', () => {
  let ws: string
  let firstPng: Buffer
  let slow: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-hosted-')
    firstPng = await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(64, 48))
    await writePng(path.join(ws, 'last.png'), LAST_PICTURE(64, 48))
    slow = await startFakeVideo({ statusSteps: 6, staticDir: ws, clipSeconds: 1 })
  })
  afterAll(async () => {
    await slow.stop()
    await removeDir(ws)
  })

  const inputs = (extra: Record<string, string>): ReturnType<typeof parseVideoInputs> =>
    parseVideoInputs({
      'video-prompt': 'a slow pan',
      'poll-interval': '0.05',
      ...ALLOW_BUNDLED_FFMPEG,
      ...extra,
    })

  it('polls the slow status sequence, fetches the clip when it completes, and passes a valid URL through', async () => {
    const context = testContext(ws, { pollIntervalMs: undefined })
    const result = await runVideoGeneration(
      inputs({
        'folder-name': 'ok',
        'mcp-config': slow.mcpConfig,
        'google-image-url': `${slow.baseUrl}/static/first.png`,
        'last-frame': 'last.png',
      }),
      context,
    )
    expect(result.model).toBe('hailuo-02-pro')
    expect(result.preview).toBe(false)
    const clip = result.clips[0]
    expect(clip).toMatchObject({
      segment: 1,
      status: 'ok',
      file: 'videos/segment-1.mp4',
      server: 'i2v-fake-hailuo',
      tools: ['hailuo_02_submit', 'hailuo_02_status', 'hailuo_02_result'],
    })
    expect(clip?.url).toMatch(new RegExp(`^${slow.baseUrl}/files/hailuo_02-.*\\.mp4$`))
    const probe = await ffprobe(path.join(ws, 'ok/videos/segment-1.mp4'))
    expect(probe).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 64,
      height: 48,
      fps: 8,
      frames: 8,
    })

    const calls = (await slow.calls()).filter(
      (c) => c.args['request_id'] === clip?.request_id || c.tool === 'hailuo_02_submit',
    )
    const statuses = calls.filter((c) => c.tool === 'hailuo_02_status')
    expect(statuses.length).toBe(7) // 3 IN_QUEUE, 3 IN_PROGRESS, then COMPLETED
    expect(calls.at(-1)?.tool).toBe('hailuo_02_result')
    const submit = calls.find((c) => c.tool === 'hailuo_02_submit')
    // A downloadable URL goes to the model as it is; the local last frame as a data: URL.
    expect(submit?.args['image_url']).toBe(`${slow.baseUrl}/static/first.png`)
    expect(String(submit?.args['end_image_url'])).toMatch(/^data-url:sha256:/)
    expect(submit?.args['duration']).toBe(6)
    expect(logText(context.logger)).toMatch(/segment 1\/1 \(hailuo-02-pro\): in progress after/)
    expect(logText(context.logger)).toMatch(/segment 1\/1 \(hailuo-02-pro\): completed after/)
    expect((await verifyTelemetry(path.join(ws, 'ok'))).problems).toEqual([])
  })

  it('falls back to input-image-path when google-image-url has expired (HTTP 404)', async () => {
    const context = testContext(ws)
    const before = (await slow.calls()).length
    const result = await runVideoGeneration(
      inputs({
        'folder-name': 'expired',
        'mcp-config': slow.mcpConfig,
        'google-image-url': `${slow.baseUrl}/expired/generated.png`,
        'input-image-path': 'first.png',
      }),
      context,
    )
    expect(result.clips[0]?.first_frame).toMatchObject({
      origin: 'input-image-path',
      skipped: [
        { origin: 'google-image-url', reason: expect.stringMatching(/expired .*HTTP 404/) },
      ],
    })
    expect(logText(context.logger)).toMatch(/using input-image-path \(google-image-url: .*HTTP 404/)
    const submit = (await slow.calls()).slice(before).find((c) => c.tool === 'hailuo_02_submit')
    const sha = createHash('sha256').update(firstPng).digest('hex')
    expect(submit?.args['image_url']).toBe(`data-url:sha256:${sha}`)
  })

  it('fails with a clear error when the expired URL has no fallback', async () => {
    const error = await runVideoGeneration(
      inputs({
        'folder-name': 'nofallback',
        'mcp-config': slow.mcpConfig,
        'google-image-url': `${slow.baseUrl}/expired/generated.png`,
      }),
      testContext(ws),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('VID_003')
    expect((error as Error).message).toMatch(
      /google-image-url: .*expired.*HTTP 404.*input-image-path/,
    )
  })

  it('a job whose status is failed gives VID_002 naming the segment and the reason', async () => {
    const failing = await startFakeVideo({ statusSteps: 2, fail: true })
    try {
      const error = await runVideoGeneration(
        inputs({
          'folder-name': 'failed',
          'mcp-config': failing.mcpConfig,
          'input-image-path': 'first.png',
        }),
        testContext(ws, { retryPolicy: FAST_RETRY }),
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KamuiError)
      expect((error as KamuiError).code).toBe('VID_002')
      expect((error as Error).message).toMatch(
        /segment 1\/1 \(hailuo-02-pro\): the video job failed: .*failed: content policy violation/,
      )
      // The failure is recorded, and the telemetry file still satisfies the contract.
      const report = JSON.parse(
        await readFile(path.join(ws, 'failed/metadata/video-report.json'), 'utf8'),
      )
      expect(report.clips[0]).toMatchObject({ status: 'failed', error: { code: 'VID_002' } })
      expect((await verifyTelemetry(path.join(ws, 'failed'))).problems).toEqual([])
    } finally {
      await failing.stop()
    }
  })

  it('a job that never finishes hits video-timeout with IMG_003', async () => {
    const stuck = await startFakeVideo({ neverFinish: true })
    try {
      const started = Date.now()
      const error = await runVideoGeneration(
        inputs({
          'folder-name': 'stuck',
          'mcp-config': stuck.mcpConfig,
          'input-image-path': 'first.png',
          'video-timeout': '1.5',
        }),
        testContext(ws),
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KamuiError)
      expect((error as KamuiError).code).toBe('IMG_003')
      expect((error as Error).message).toMatch(
        /segment 1\/1 \(hailuo-02-pro\).*did not finish within 1.5 s/,
      )
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(
        (await stuck.calls()).filter((c) => c.tool === 'hailuo_02_status').length,
      ).toBeGreaterThan(3)
    } finally {
      await stuck.stop()
    }
  })

  it('veo31-flf2v needs a last frame and gets first_frame_url / last_frame_url', async () => {
    const missing = await runVideoGeneration(
      inputs({
        'folder-name': 'veo-missing',
        'mcp-config': slow.mcpConfig,
        'input-image-path': 'first.png',
        model: 'veo31-flf2v',
      }),
      testContext(ws),
    ).catch((e: unknown) => e)
    expect((missing as KamuiError).code).toBe('CFG_001')
    expect((missing as Error).message).toMatch(/veo31-flf2v .*give last-frame/)

    const before = (await slow.calls()).length
    const result = await runVideoGeneration(
      inputs({
        'folder-name': 'veo',
        'mcp-config': slow.mcpConfig,
        'input-image-path': 'first.png',
        'last-frame': 'last.png',
        model: 'veo31-flf2v',
      }),
      testContext(ws),
    )
    expect(result.clips[0]?.tools[0]).toBe('veo31_flf2v_submit')
    const submit = (await slow.calls()).slice(before).find((c) => c.tool === 'veo31_flf2v_submit')
    expect(Object.keys(submit?.args ?? {}).sort()).toEqual([
      'first_frame_url',
      'last_frame_url',
      'prompt',
    ])
  })
})
