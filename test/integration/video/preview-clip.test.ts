import { copyFile, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { previewLabelLayout } from '../../../src/media/preview/label.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import {
  compare,
  extractFrame,
  ffprobe,
  FIRST_PICTURE,
  LAST_PICTURE,
  writePng,
} from './media-helpers.js'

const W = 96
const H = 64

/** Pixels outside the PREVIEW label box (and a 4 px band around it, where 4:2:0 chroma bleeds). */
function outsideLabel(standInFor: string | null): (x: number, y: number) => boolean {
  const box = previewLabelLayout(W, H, standInFor).box
  return (x, y) =>
    x < box.x - 4 || x >= box.x + box.width + 4 || y < box.y - 4 || y >= box.y + box.height + 4
}

function insideLabel(standInFor: string | null): (x: number, y: number) => boolean {
  const box = previewLabelLayout(W, H, standInFor).box
  return (x, y) => x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height
}

describe('kamui video-generation on the preview provider', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-preview-')
    await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(W, H))
    await writePng(path.join(ws, 'last.png'), LAST_PICTURE(W, H))
  })
  afterAll(async () => removeDir(ws))

  it('makes an H.264 / yuv420p MP4 of the requested duration and frame rate whose first frame is the image', async () => {
    const run = await runKamui(
      [
        'video-generation',
        // The system ffmpeg when there is one, else the bundled build (test/helpers/tools.ts).
        '--allow-bundled-ffmpeg',
        'true',
        '--video-prompt',
        'slow push in',
        '--folder-name',
        'one',
        '--input-image-path',
        'first.png',
        '--duration',
        '1.5',
        '--fps',
        '10',
        '--segment-number',
        '3',
      ],
      { cwd: ws, env: { FFMPEG_PATH: undefined } },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs['video-completed']).toBe('true')
    expect(run.outputs['video-path']).toBe('one/videos/segment-3.mp4')
    expect(JSON.parse(run.outputs['video-paths'] ?? '')).toEqual(['one/videos/segment-3.mp4'])
    expect(run.outputs['used-model']).toBe('preview')
    expect(run.outputs['video-url']).toMatch(/^preview:\/\/video\/[0-9a-f]{16}\.mp4$/)
    expect(run.stderr).toMatch(/PREVIEW clip/)

    const file = path.join(ws, 'one/videos/segment-3.mp4')
    const probe = await ffprobe(file)
    expect(probe).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: W,
      height: H,
      fps: 10,
      frames: 15,
    })
    expect(probe.streamDuration).toBeCloseTo(1.5, 5)

    const first = FIRST_PICTURE(W, H)
    const frame0 = await extractFrame(file, 0, W, H)
    const outside = compare(frame0, first, outsideLabel(null))
    expect(outside.pixels).toBeGreaterThan(W * H * 0.6)
    expect(outside.mean).toBeLessThan(2.5)
    expect(outside.max).toBeLessThan(24)
    // The PREVIEW label is stamped on the frame: its box is darker than the image there.
    const label = compare(frame0, first, insideLabel(null))
    expect(label.mean).toBeGreaterThan(40)
    // The camera moves: the last frame is not the first one.
    expect(
      compare(await extractFrame(file, 14, W, H), first, outsideLabel(null)).mean,
    ).toBeGreaterThan(5)

    const report = JSON.parse(
      await readFile(path.join(ws, 'one/metadata/video-report.json'), 'utf8'),
    )
    expect(report.preview).toBe(true)
    expect(report.clips[0]).toMatchObject({
      segment: 3,
      model: 'preview',
      preview: true,
      status: 'ok',
    })
    const telemetry = JSON.parse(
      await readFile(path.join(ws, 'one/metadata/artifact-metadata.json'), 'utf8'),
    )
    expect(telemetry.artifacts[0]).toMatchObject({
      path: 'videos/segment-3.mp4',
      media_type: 'video/mp4',
      width: W,
      height: H,
      frames: 15,
      duration_s: 1.5,
      preview: true,
      model: { alias: 'preview', provider: 'preview', tool: 'preview_video_submit' },
    })
    const verify = await runKamui(['verify-telemetry', 'one'], { cwd: ws })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  })

  it('ends on last-frame: the last frame matches it, the first frame matches the image', async () => {
    const run = await runKamui(
      [
        'video-generation',
        // The system ffmpeg when there is one, else the bundled build (test/helpers/tools.ts).
        '--allow-bundled-ffmpeg',
        'true',
        '--video-prompt',
        'from day to dusk',
        '--folder-name',
        'two',
        '--input-image-path',
        'first.png',
        '--last-frame',
        'last.png',
        '--duration',
        '1',
        '--fps',
        '12',
        '--model',
        'hailuo-02-pro',
      ],
      { cwd: ws },
    )
    expect(run.code, run.stderr).toBe(0)
    // No mcp-config: the preview server stands in for the hosted model, and says so.
    expect(run.outputs['used-model']).toBe('preview:hailuo-02-pro')
    expect(run.stderr).toMatch(/stands in for hailuo-02-pro/)
    const file = path.join(ws, 'two/videos/segment-1.mp4')
    const probe = await ffprobe(file)
    expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', fps: 12, frames: 12 })
    const region = outsideLabel('hailuo-02-pro')
    const start = compare(await extractFrame(file, 0, W, H), FIRST_PICTURE(W, H), region)
    const end = compare(await extractFrame(file, 11, W, H), LAST_PICTURE(W, H), region)
    expect(start.mean).toBeLessThan(2.5)
    expect(end.mean).toBeLessThan(2.5)
    expect(end.max).toBeLessThan(24)
    // And the last frame is not the first picture.
    expect(
      compare(await extractFrame(file, 11, W, H), FIRST_PICTURE(W, H), region).mean,
    ).toBeGreaterThan(30)
  })

  it("takes the image stage's images/generated-image.png when google-image-url is a preview:// identifier", async () => {
    await mkdir(path.join(ws, 'chain/images'), { recursive: true })
    await copyFile(path.join(ws, 'first.png'), path.join(ws, 'chain/images/generated-image.png'))
    const run = await runKamui(
      [
        'video-generation',
        // The system ffmpeg when there is one, else the bundled build (test/helpers/tools.ts).
        '--allow-bundled-ffmpeg',
        'true',
        '--video-prompt',
        'pan',
        '--folder-name',
        'chain',
        '--google-image-url',
        'preview://image/0123456789abcdef.png',
        '--duration',
        '0.5',
        '--fps',
        '8',
      ],
      { cwd: ws },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toMatch(
      /using chain\/images\/generated-image.png \(google-image-url: .*preview:\/\/ identifiers name preview output/,
    )
    const report = JSON.parse(
      await readFile(path.join(ws, 'chain/metadata/video-report.json'), 'utf8'),
    )
    expect(report.clips[0].first_frame.origin).toBe('chain/images/generated-image.png')
  })
})
