import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { ffprobe, makeMusic, tintedKeyframe, writePng } from './media-helpers.js'

const W = 64
const H = 48
/** Segment durations, seconds (multiples of 1/8 s at 8 fps). */
const DURATIONS = [0.5, 0.75, 1, 0.625]

describe('video-generation from a four-segment keyframes.json, joined with music', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-keyframes-')
    await mkdir(path.join(ws, 'run/keyframes'), { recursive: true })
    // Frame k is a flat-ish tint; segment n goes from frame n-1 to frame n (the keyframes
    // stage's inheritance: each first frame is the previous last frame).
    for (let n = 1; n <= 4; n++) {
      const tint = (k: number) => tintedKeyframe(k, W, H)
      await writePng(path.join(ws, `run/keyframes/segment-${n}-first.png`), tint(n - 1))
      await writePng(path.join(ws, `run/keyframes/segment-${n}-last.png`), tint(n))
    }
    const segments = DURATIONS.map((duration, i) => ({
      index: i + 1,
      type: i === 0 ? 'hook' : i === 3 ? 'cta' : 'body',
      label: i === 0 ? 'Hook' : i === 3 ? 'CTA' : `Body ${i}`,
      description: `segment ${i + 1}`,
      duration,
      status: 'complete',
      firstFrame: {
        kind: 'first',
        path: `keyframes/segment-${i + 1}-first.png`,
        url: null,
        inherited: i > 0,
      },
      lastFrame: {
        kind: 'last',
        path: `keyframes/segment-${i + 1}-last.png`,
        url: null,
        inherited: false,
      },
    }))
    await writeFile(
      path.join(ws, 'run/keyframes.json'),
      JSON.stringify({ schemaVersion: 1, segments }, null, 2),
    )
    await makeMusic(path.join(ws, 'music.wav'), 1.1)
  })
  afterAll(async () => removeDir(ws))

  it('makes four clips and final/final-music-video.mp4 as long as their sum, with the looped music', async () => {
    const run = await runKamui(
      [
        'video-generation',
        // The system ffmpeg when there is one, else the bundled build (test/helpers/tools.ts).
        '--allow-bundled-ffmpeg',
        'true',
        '--video-prompt',
        'product story',
        '--folder-name',
        'run',
        '--keyframes',
        'run/keyframes.json',
        '--fps',
        '8',
        '--concatenate',
        'true',
        '--music-file',
        'music.wav',
        '--max-parallel',
        '2',
      ],
      { cwd: ws, timeoutMs: 120_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    const clips = [1, 2, 3, 4].map((n) => `run/videos/segment-${n}.mp4`)
    expect(JSON.parse(run.outputs['video-paths'] ?? '')).toEqual(clips)
    expect(run.outputs['final-video-path']).toBe('run/final/final-music-video.mp4')
    expect(run.outputs['video-path']).toBe('run/final/final-music-video.mp4')

    let sum = 0
    for (const [i, clip] of clips.entries()) {
      const probe = await ffprobe(path.join(ws, clip))
      expect(probe).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: W, height: H })
      expect(probe.streamDuration).toBeCloseTo(DURATIONS[i] as number, 5)
      sum += probe.streamDuration
    }
    const final = await ffprobe(path.join(ws, 'run/final/final-music-video.mp4'))
    expect(final).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', audioCodec: 'aac', frames: 23 })
    expect(final.streamDuration).toBeCloseTo(sum, 3)
    // The file (video and audio) lasts the sum of the clips, within one AAC frame (1024 samples).
    expect(Math.abs(final.formatDuration - sum)).toBeLessThan(0.025)

    const report = JSON.parse(
      await readFile(path.join(ws, 'run/metadata/video-report.json'), 'utf8'),
    )
    expect(report.final).toMatchObject({
      music: 'music.wav',
      music_fit: 'looped',
      clips: clips.map((c) => c.slice(4)),
    })
    expect(report.final.duration_s).toBeCloseTo(2.875, 5)
    expect(
      report.clips.map((c: { first_frame: { origin: string } }) => c.first_frame.origin),
    ).toEqual([1, 2, 3, 4].map((n) => `keyframes segment ${n} firstFrame.path`))
    const telemetry = JSON.parse(
      await readFile(path.join(ws, 'run/metadata/artifact-metadata.json'), 'utf8'),
    )
    const finalRecord = telemetry.artifacts.find(
      (a: { path: string }) => a.path === 'final/final-music-video.mp4',
    )
    expect(finalRecord).toMatchObject({ frames: 23, media_type: 'video/mp4', preview: true })
    const verify = await runKamui(['verify-telemetry', 'run'], { cwd: ws })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  })

  it('refuses a keyframes.json with a failed segment before generating anything', async () => {
    const file = path.join(ws, 'run/failed-keyframes.json')
    const data = JSON.parse(await readFile(path.join(ws, 'run/keyframes.json'), 'utf8'))
    data.segments[2].status = 'failed'
    data.segments[2].error = { code: 'KF_003', message: 'render failed: content policy' }
    data.segments[2].lastFrame.path = null
    await writeFile(file, JSON.stringify(data))
    const run = await runKamui(
      [
        'video-generation',
        // The system ffmpeg when there is one, else the bundled build (test/helpers/tools.ts).
        '--allow-bundled-ffmpeg',
        'true',
        '--video-prompt',
        'x',
        '--folder-name',
        'bad',
        '--keyframes',
        'run/failed-keyframes.json',
      ],
      { cwd: ws },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /VID_003: keyframes segment 3 failed in the keyframes stage: render failed: content policy/,
    )
    expect(existsSync(path.join(ws, 'bad'))).toBe(false)
  })
})
