import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { criticalPath } from '../../../src/stages/pipeline/graph.js'
import { runPipeline } from '../../../src/stages/pipeline/run.js'
import { STAGE_AFTER } from '../../../src/stages/pipeline/stages.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

describe('kamui pipeline on the preview server', () => {
  it('runs every stage in order, passing outputs between them', { timeout: 240_000 }, async () => {
    const workspace = await tempWorkspace()
    const context = testContext(workspace, { env: { PATH: process.env['PATH'] } })
    const result = await runPipeline(
      {
        concept: 'A lighthouse at dusk',
        'folder-name': 'out/run',
        'image-count': '1',
        'segment-count': '2',
        // The system ffmpeg when there is one, else the bundled build.
        'allow-bundled-ffmpeg': 'true',
      },
      context,
    )
    expect(result.runs.map((r) => [r.stage, r.status, r.reason])).toEqual([
      ['image', 'ok', null],
      ['keyframes', 'ok', null],
      ['video', 'ok', null],
      ['pointcloud', 'ok', null],
      ['web', 'ok', null],
    ])
    // The stages ran as a graph: keyframes, video and point cloud after the image, side by side;
    // the web player after all of them.
    const span = Object.fromEntries(result.runs.map((r) => [r.stage, r]))
    for (const stage of ['keyframes', 'video', 'pointcloud']) {
      expect(span[stage]!.startedMs).toBeGreaterThanOrEqual(span['image']!.endedMs)
      expect(span['web']!.startedMs).toBeGreaterThanOrEqual(span[stage]!.endedMs)
    }
    expect(span['pointcloud']!.startedMs).toBeLessThan(span['video']!.endedMs)
    expect(result.wallMs).toBeGreaterThanOrEqual(span['web']!.endedMs)
    // Issue 10: wall time at most 1.15 × the critical path, and below the sum of the stage
    // times by at least the point cloud's time.
    const critical = criticalPath(STAGE_AFTER, span)
    const sum = result.runs.reduce((total, r) => total + r.durationMs, 0)
    expect(result.wallMs).toBeLessThanOrEqual(1.15 * critical.ms)
    expect(sum - result.wallMs).toBeGreaterThanOrEqual(span['pointcloud']!.durationMs)
    const o = result.outputs
    expect(o['keyframes-json']).toBe('out/run/keyframes.json')
    expect(JSON.parse(o['video-paths'] as string)).toEqual([
      'out/run/videos/segment-1.mp4',
      'out/run/videos/segment-2.mp4',
    ])
    for (const file of [
      'out/run/images/generated-image.png',
      'out/run/metadata/contact-sheet.png',
      'out/run/keyframes/segment-2-last.png',
      'out/run/final/final-music-video.mp4',
      'out/run/music/preview-music.wav',
      'out/run/pointcloud/pointcloud.ply',
      'out/run/index.html',
      'docs/out/run/index.html',
      'docs/index.html',
    ]) {
      expect(existsSync(path.join(workspace, file)), file).toBe(true)
    }
    expect(o['web-player-path']).toBe('out/run/index.html')
    const verification = await verifyTelemetry(path.join(workspace, 'out/run'))
    expect(verification.problems).toEqual([])
    expect(verification.ok).toBe(true)
  })

  it(
    'keeps the results of the other stages when an optional stage fails',
    { timeout: 120_000 },
    async () => {
      const workspace = await tempWorkspace()
      const result = await runPipeline(
        {
          concept: 'A lighthouse at dusk',
          'folder-name': 'out/run',
          'image-count': '1',
          stages: 'pointcloud,video,image',
          'music-file': 'missing/track.wav',
          'allow-bundled-ffmpeg': 'true',
        },
        testContext(workspace, { env: { PATH: process.env['PATH'] } }),
      )
      expect(result.runs.map((r) => [r.stage, r.status])).toEqual([
        ['image', 'ok'],
        ['video', 'failed'],
        ['pointcloud', 'ok'],
      ])
      expect(result.runs[1]?.reason).toMatch(/track\.wav/)
      expect(JSON.parse(result.outputs['failed-stages'] as string)).toEqual(['video'])
      expect(existsSync(path.join(workspace, 'out/run/images/generated-image.png'))).toBe(true)
      expect(existsSync(path.join(workspace, 'out/run/pointcloud/pointcloud.ply'))).toBe(true)
    },
  )

  it('passes the model choices on to the stages', { timeout: 120_000 }, async () => {
    const workspace = await tempWorkspace()
    const result = await runPipeline(
      {
        concept: 'A lighthouse at dusk',
        'folder-name': 'out/run',
        'image-count': '1',
        stages: 'image,pointcloud',
        'depth-model': 'luminance-heuristic',
      },
      testContext(workspace, { env: { PATH: process.env['PATH'] } }),
    )
    const pointcloud = result.runs.find((r) => r.stage === 'pointcloud')
    expect(pointcloud?.status).toBe('ok')
    expect(pointcloud?.outputs['depth-source']).toMatch(/luminance-heuristic/)
  })

  it('refuses an unknown stage name before running anything', async () => {
    const workspace = await tempWorkspace()
    await expect(
      runPipeline(
        { concept: 'x', 'folder-name': 'out', stages: 'image,music' },
        testContext(workspace),
      ),
    ).rejects.toThrow(/CFG_001: stages: unknown stage "music"/)
  })
})
