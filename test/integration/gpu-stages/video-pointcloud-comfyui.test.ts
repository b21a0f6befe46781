import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { readPlyWithThree } from '../pointcloud/ply-reader.js'
import {
  compare,
  extractFrame,
  FIRST_PICTURE,
  ffprobe,
  makeImage,
  writePng,
} from '../video/media-helpers.js'
import { artifactRecords, gpuStageEnv } from './helpers.js'

describe('video-generation and pointcloud-generation on a (fake) ComfyUI server', () => {
  let comfy: FakeComfyHandle
  let env: Record<string, string | undefined>
  beforeAll(async () => {
    ;[comfy, env] = await Promise.all([startFakeComfyProcess({ jobMs: 20 }), gpuStageEnv()])
  }, 30_000)
  afterAll(async () => {
    await comfy?.stop()
  })

  it('kamui video-generation --model svd-image-to-video makes an H.264 MP4 recorded as comfyui with GPU memory', async () => {
    const ws = await tempWorkspace()
    const first = FIRST_PICTURE(320, 192)
    await writePng(path.join(ws, 'first.png'), first)
    const run = await runKamui(
      [
        'video-generation',
        '--video-prompt',
        'slow push in',
        '--folder-name',
        'clip',
        '--input-image-path',
        'first.png',
        '--model',
        'svd-image-to-video',
        '--duration',
        '1',
        '--fps',
        '8',
        '--comfyui-url',
        comfy.url,
      ],
      { cwd: ws, env, timeoutMs: 90_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs).toMatchObject({
      'video-completed': 'true',
      'video-path': 'clip/videos/segment-1.mp4',
      'used-model': 'svd-image-to-video',
    })
    const file = path.join(ws, 'clip/videos/segment-1.mp4')
    const probe = await ffprobe(file)
    expect(probe).toMatchObject({ codec: 'h264', width: 320, height: 192, frames: 8 })
    // The template's first frame is the uploaded image (the fake blends towards its render).
    expect(compare(await extractFrame(file, 0, 320, 192), first).mean).toBeLessThan(4)

    const prompts = await comfy.log('prompt')
    const svd = prompts
      .map(
        (p) =>
          p['prompt'] as Record<string, { class_type: string; inputs: Record<string, unknown> }>,
      )
      .filter((w) => w['3']?.class_type === 'SVD_img2vid_Conditioning')
    expect(svd).toHaveLength(1)
    expect(svd[0]?.['3']?.inputs).toMatchObject({
      video_frames: 8,
      fps: 8,
      width: 320,
      height: 192,
    })

    const clip = (await artifactRecords(path.join(ws, 'clip'))).find(
      (a) => a.path === 'videos/segment-1.mp4',
    )
    expect(clip?.model).toMatchObject({
      alias: 'svd-image-to-video',
      provider: 'comfyui',
      server: comfy.url,
      workflow: 'svd-image-to-video',
    })
    expect(clip?.gpu_memory).toMatchObject({
      before_mib: expect.any(Number),
      after_mib: expect.any(Number),
    })
    const verify = await runKamui(['verify-telemetry', 'clip'], { cwd: ws })
    expect(verify.code, verify.stdout + verify.stderr).toBe(0)
  }, 120_000)

  it('kamui pointcloud-generation --depth-model comfyui:depth-anything-v2 writes a PLY whose z follows the depth map', async () => {
    const ws = await tempWorkspace()
    const W = 90
    const H = 60
    const picture = makeImage(W, H, (x, y) => [
      (x * 7 + y * 3) % 256,
      (y * 11 + x) % 256,
      (x * y) % 256,
    ])
    await writePng(path.join(ws, 'photo.png'), picture)
    const run = await runKamui(
      [
        'pointcloud-generation',
        '--input-image-path',
        'photo.png',
        '--output-folder',
        'cloud',
        '--depth-model',
        'comfyui:depth-anything-v2',
        '--max-points',
        '1000',
        '--comfyui-url',
        comfy.url,
      ],
      { cwd: ws, env, timeoutMs: 90_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs).toMatchObject({
      'pointcloud-completed': 'true',
      'ply-file-path': 'cloud/pointcloud.ply',
      'depth-source': 'comfyui:depth-anything-v2',
    })
    // The depth map the fake's DepthAnythingV2Preprocessor wrote (downloaded with /view).
    const views = await comfy.log('view')
    const depthView = views.find((v) => String(v['filename']).startsWith('depth-anything-v2'))
    expect(depthView).toBeDefined()
    const depthPng = PNG.sync.read(
      await readFile(
        path.join(
          comfy.root,
          'output',
          String(depthView?.['subfolder']),
          String(depthView?.['filename']),
        ),
      ),
    )
    expect([depthPng.width, depthPng.height]).toEqual([W, H])
    const depthAt = (x: number, y: number): number => depthPng.data[(y * W + x) * 4] as number

    const ply = await readPlyWithThree(path.join(ws, 'cloud/pointcloud.ply'))
    expect(ply.count).toBe(Number(run.outputs['point-count']))
    expect(ply.count).toBeGreaterThan(500)
    let varied = 0
    for (let i = 0; i < ply.count; i++) {
      const col = (ply.positions[i * 3] as number) + W / 2
      const row = H / 2 - (ply.positions[i * 3 + 1] as number)
      // z is the ComfyUI depth exactly: value / 255 · 100.
      expect(ply.positions[i * 3 + 2]).toBe(Math.fround((depthAt(col, row) / 255) * 100))
      if (depthAt(col, row) !== depthAt(0, 0)) varied++
    }
    expect(varied).toBeGreaterThan(ply.count / 2)

    const records = await artifactRecords(path.join(ws, 'cloud'))
    const depthGray = records.find((a) => a.path === 'depth_gray.png')
    expect(depthGray?.model).toMatchObject({
      alias: 'comfyui:depth-anything-v2',
      provider: 'comfyui',
      server: comfy.url,
      workflow: 'depth-anything-v2',
    })
    expect(depthGray?.gpu_memory).toMatchObject({ before_mib: expect.any(Number) })
    expect(records.map((a) => a.path)).toContain('pointcloud.ply')
    expect((await verifyTelemetry(path.join(ws, 'cloud'))).problems).toEqual([])
  }, 120_000)
})
