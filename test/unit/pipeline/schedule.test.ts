import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import type { KeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import { runPipeline } from '../../../src/stages/pipeline/run.js'
import type { StageFunctions, StageResults } from '../../../src/stages/pipeline/stage-functions.js'
import type { VideoGenerationInputs } from '../../../src/stages/video-generation/inputs.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

/**
 * The pipeline's schedule with fake stage functions (no media is rendered): which typed values
 * each stage gets, and which stages run side by side. A schedule that ran the stages in a row
 * would deadlock here (each fake waits for a sign from a stage that runs beside it), so these
 * tests fail by timing out.
 */

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

const PRIMARY_URL = 'https://images.example/primary.png'
const RAW = {
  concept: 'A lighthouse at dusk',
  'folder-name': 'out/run',
  'segment-count': '2',
  'allow-bundled-ffmpeg': 'true',
}

/** Minimal typed results: the fields the pipeline and the stages' output functions read. */
function results(ws: string): StageResults {
  const folder = path.join(ws, 'out/run')
  return {
    image: {
      folder,
      images: [],
      primary: { url: PRIMARY_URL, model: 'preview' },
      primaryIndex: 0,
      reportPath: undefined,
      warnings: [],
    },
    keyframes: {
      folder,
      file: path.join(folder, 'keyframes.json'),
      keyframes: { segments: [] },
      frameCount: 4,
      generatedFrames: 3,
      inheritedFrames: 1,
      failedSegments: [],
      complete: true,
    },
    video: {
      folder,
      clips: [
        { segment: 1, file: 'videos/segment-1.mp4', url: null },
        { segment: 2, file: 'videos/segment-2.mp4', url: null },
      ],
      final: { file: 'final/final-music-video.mp4' },
      model: 'preview:preview-video',
    },
    pointcloud: {
      folder,
      files: {
        depthMap: path.join(folder, 'pointcloud/depth.png'),
        depthGray: path.join(folder, 'pointcloud/depth_gray.png'),
        ply: path.join(folder, 'pointcloud/pointcloud.ply'),
      },
      cloud: { count: 10 },
      estimate: { source: { label: 'preview' } },
    },
    web: {
      folder,
      page: path.join(folder, 'index.html'),
      url: 'out/run/index.html',
      docsDeployed: true,
    },
  } as unknown as StageResults
}

function ready(index: number): Parameters<NonNullable<KeyframesInputs['onSegmentReady']>>[0] {
  return {
    index,
    description: `segment ${index}`,
    duration: 5,
    status: 'complete',
    firstFrame: { path: `keyframes/segment-${index}-first.png`, url: null },
    lastFrame: { path: `keyframes/segment-${index}-last.png`, url: null },
  }
}

describe('the pipeline schedule', () => {
  it(
    'streams keyframes segments to the video stage and runs the point cloud beside them, passing typed values',
    { timeout: 30_000 },
    async () => {
      const ws = await tempWorkspace()
      const r = results(ws)
      const videoHasSegment1 = deferred()
      const pointcloudStarted = deferred()
      const seen: { video?: VideoGenerationInputs; ply?: string; videos?: string[] } = {}
      const fakes: StageFunctions = {
        image: async () => r.image,
        keyframes: async (inputs) => {
          expect(inputs.productImages).toEqual(['out/run/images/generated-image.png'])
          inputs.onSegmentReady?.(ready(1))
          // The video stage takes segment 1 while this stage is still making segment 2 ...
          await videoHasSegment1.promise
          // ... and the point cloud runs beside it.
          await pointcloudStarted.promise
          inputs.onSegmentReady?.(ready(2))
          return r.keyframes
        },
        video: async (inputs) => {
          seen.video = inputs
          const segments = inputs.keyframeSegments ?? []
          expect(segments).toHaveLength(2)
          expect(await segments[0]).toMatchObject({ index: 1, description: 'segment 1' })
          videoHasSegment1.resolve()
          expect(await segments[1]).toMatchObject({
            index: 2,
            lastFrame: { path: 'keyframes/segment-2-last.png' },
          })
          return r.video
        },
        pointcloud: async (inputs) => {
          expect(inputs.inputImagePath).toBe('out/run/images/generated-image.png')
          pointcloudStarted.resolve()
          return r.pointcloud
        },
        web: async (inputs) => {
          seen.ply = inputs.plyFile
          seen.videos = inputs.videoFiles
          return r.web
        },
      }
      const result = await runPipeline(RAW, testContext(ws), fakes)

      expect(seen.video?.googleImageUrl).toBe(PRIMARY_URL)
      expect(seen.video?.keyframes).toBe('out/run/keyframes.json')
      expect(seen.video?.musicFile).toBe('out/run/music/preview-music.wav')
      expect(seen.ply).toBe('out/run/pointcloud/pointcloud.ply')
      expect(seen.videos).toEqual([
        'out/run/videos/segment-1.mp4',
        'out/run/videos/segment-2.mp4',
        'out/run/final/final-music-video.mp4',
      ])
      expect(result.runs.map((s) => [s.stage, s.status])).toEqual([
        ['image', 'ok'],
        ['keyframes', 'ok'],
        ['video', 'ok'],
        ['pointcloud', 'ok'],
        ['web', 'ok'],
      ])
      const span = Object.fromEntries(result.runs.map((s) => [s.stage, s]))
      const image = span['image']!
      const web = span['web']!
      for (const stage of ['keyframes', 'video', 'pointcloud']) {
        expect(span[stage]!.startedMs).toBeGreaterThanOrEqual(image.endedMs)
        expect(web.startedMs).toBeGreaterThanOrEqual(span[stage]!.endedMs)
      }
      expect(span['pointcloud']!.startedMs).toBeLessThanOrEqual(span['keyframes']!.endedMs)
      expect(span['video']!.startedMs).toBeLessThanOrEqual(span['keyframes']!.endedMs)
      expect(result.results.video).toBe(r.video)
      expect(result.outputs['keyframes-json']).toBe('out/run/keyframes.json')
      expect(result.outputs['video-paths']).toBe(
        JSON.stringify(['out/run/videos/segment-1.mp4', 'out/run/videos/segment-2.mp4']),
      )
      expect(result.outputs['ply-file-path']).toBe('out/run/pointcloud/pointcloud.ply')
      expect(result.outputs['google-image-url']).toBe(PRIMARY_URL)
    },
  )

  it('fails a segment the keyframes stage did not make with its recorded reason', async () => {
    const ws = await tempWorkspace()
    const r = results(ws)
    const failedKeyframes = {
      ...r.keyframes,
      keyframes: { segments: [{ index: 2, error: { message: 'IMG_003: render timed out' } }] },
      failedSegments: [2],
      complete: false,
    } as unknown as StageResults['keyframes']
    let second: unknown
    const fakes: StageFunctions = {
      image: async () => r.image,
      keyframes: async (inputs) => {
        inputs.onSegmentReady?.(ready(1))
        return failedKeyframes
      },
      video: async (inputs) => {
        await inputs.keyframeSegments?.[0]
        second = await inputs.keyframeSegments?.[1]?.catch((error: unknown) => error)
        throw second
      },
      pointcloud: async () => r.pointcloud,
      web: async () => r.web,
    }
    const result = await runPipeline(RAW, testContext(ws), fakes)
    expect(second).toBeInstanceOf(KamuiError)
    expect((second as KamuiError).message).toBe(
      'VID_003: keyframes segment 2 failed in the keyframes stage: IMG_003: render timed out. Retry it there (retry-segments) first.',
    )
    expect(result.runs.map((s) => [s.stage, s.status])).toEqual([
      ['image', 'ok'],
      ['keyframes', 'ok'],
      ['video', 'failed'],
      ['pointcloud', 'ok'],
      ['web', 'ok'],
    ])
    expect(JSON.parse(result.outputs['failed-stages'] as string)).toEqual(['video'])
  })

  it('makes one clip from the primary image when the keyframes stage fails before any segment', async () => {
    const ws = await tempWorkspace()
    const r = results(ws)
    let video: VideoGenerationInputs | undefined
    const fakes: StageFunctions = {
      image: async () => r.image,
      keyframes: async () => {
        throw new KamuiError('KF_003', 'No segment got both keyframes.')
      },
      video: async (inputs) => {
        video = inputs
        return r.video
      },
      pointcloud: async () => r.pointcloud,
      web: async () => r.web,
    }
    const result = await runPipeline(RAW, testContext(ws), fakes)
    expect(video?.keyframes).toBeUndefined()
    expect(video?.keyframeSegments).toBeUndefined()
    expect(video?.inputImagePath).toBe('out/run/images/generated-image.png')
    expect(result.runs.find((s) => s.stage === 'keyframes')).toMatchObject({
      status: 'failed',
      reason: 'KF_003: No segment got both keyframes.',
    })
  })

  it('fails with the image stage’s error and runs no other stage', async () => {
    const ws = await tempWorkspace()
    const called: string[] = []
    const other = async (): Promise<never> => {
      called.push('other')
      throw new Error('must not run')
    }
    const fakes: StageFunctions = {
      image: async () => {
        throw new KamuiError('IMG_002', 'Unknown model "nope".')
      },
      keyframes: other,
      video: other,
      pointcloud: other,
      web: other,
    }
    await expect(runPipeline(RAW, testContext(ws), fakes)).rejects.toThrow(
      /IMG_002: Unknown model "nope"/,
    )
    expect(called).toEqual([])
  })
})
