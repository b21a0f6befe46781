import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StageContext } from '../../../src/core/stage-context.js'
import { previewServerLaunch } from '../../../src/providers/preview/launch.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { ALLOW_BUNDLED_FFMPEG } from '../../helpers/tools.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, ffprobe, writePng } from '../video/media-helpers.js'

/**
 * Issue 12 §4 acceptance: the image, video and depth stages on the preview server in MCP tasks
 * mode (2025-11-25) and in its default mode, side by side. In tasks mode every model job is
 * journalled with a task id (`handle.task`) and only the one tool called as a task; the files
 * are the same as the default mode's.
 */

const MODES = ['default', 'tasks'] as const
type Mode = (typeof MODES)[number]

function contextFor(ws: string, mode: Mode): StageContext {
  return testContext(ws, {
    previewServer: previewServerLaunch(mode === 'tasks' ? { tasks: '2025-11-25' } : {}),
  })
}

interface Submitted {
  tools: string[]
  id: string | null
  task?: string
}

async function submittedHandles(folder: string): Promise<Submitted[]> {
  const journal = parseJournal(await readFile(path.join(folder, 'metadata/journal.jsonl'), 'utf8'))
  expect(journal.invalid).toEqual([])
  return journal.lines.flatMap((line) => (line.event === 'submitted' ? [line.handle] : []))
}

function expectHandles(handles: Submitted[], mode: Mode, count: number, tool: string): void {
  expect(handles).toHaveLength(count)
  for (const handle of handles) {
    if (mode === 'tasks') {
      expect(handle.task).toBe('2025-11-25')
      expect(handle.tools).toEqual([tool])
      expect(handle.id).toMatch(/^[0-9a-f]{32}$/)
    } else {
      expect(handle.task).toBeUndefined()
      expect(handle.tools).toHaveLength(3)
    }
  }
}

describe('preview stages in MCP tasks mode and in the default mode', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-preview-tasks-')
    await writePng(path.join(ws, 'photo.png'), FIRST_PICTURE(64, 48))
  })
  afterAll(async () => removeDir(ws))

  it('image-generation-v2: 3 images, journalled as tasks, pixels identical to the default mode', async () => {
    const images: Record<Mode, Buffer[]> = { default: [], tasks: [] }
    for (const mode of MODES) {
      const inputs = parseV2Inputs({
        'image-prompt': 'A lighthouse on a cliff at sunset',
        'folder-name': `images-${mode}`,
        'image-count': '3',
        models: 'imagen4-fast,flux-schnell',
        'image-size': '128x128',
        seed: '7',
      })
      const result = await runImageGeneration(inputs, contextFor(ws, mode))
      const folder = path.join(ws, `images-${mode}`)
      expectHandles(await submittedHandles(folder), mode, 3, 'preview_image_submit')
      for (let i = 1; i <= 3; i++) {
        // Pixels, not file bytes: the files carry the run's own provenance (run id, time).
        const file = path.join(folder, `images/generated-image-${i}.png`)
        images[mode].push(await sharp(file).raw().toBuffer())
      }
      expect(result.images).toHaveLength(3)
    }
    expect(images.tasks).toEqual(images.default)
  }, 120_000)

  it('video-generation: the preview clip, journalled as a task, same frames count and size', async () => {
    const probes: Record<string, Awaited<ReturnType<typeof ffprobe>>> = {}
    for (const mode of MODES) {
      const result = await runVideoGeneration(
        parseVideoInputs({
          'video-prompt': 'a slow pan',
          'input-image-path': 'photo.png',
          'folder-name': `video-${mode}`,
          model: 'preview',
          duration: '1',
          fps: '5',
          ...ALLOW_BUNDLED_FFMPEG,
        }),
        contextFor(ws, mode),
      )
      const folder = path.join(ws, `video-${mode}`)
      expect(result.clips).toHaveLength(1)
      const clip = result.clips[0]
      expect(clip?.status).toBe('ok')
      expectHandles(await submittedHandles(folder), mode, 1, 'preview_video_submit')
      if (mode === 'tasks') expect(clip?.tools).toEqual(['preview_video_submit'])
      probes[mode] = await ffprobe(path.join(folder, clip?.file ?? 'missing'))
    }
    expect(probes.tasks).toEqual(probes.default)
  }, 120_000)

  it('pointcloud-generation with depth-model preview: the placeholder depth, journalled as a task', async () => {
    const depth: Record<string, Float32Array> = {}
    for (const mode of MODES) {
      const result = await runPointcloudGeneration(
        parsePointcloudInputs({
          'input-image-path': 'photo.png',
          'output-folder': `depth-${mode}`,
          'depth-model': 'preview',
        }),
        contextFor(ws, mode),
      )
      expect(result.estimate.source).toMatchObject({
        preview: true,
        model: { provider: 'preview', tool: 'preview_estimate_depth' },
      })
      const handles = await submittedHandles(path.join(ws, `depth-${mode}`))
      if (mode === 'tasks') {
        expect(handles).toHaveLength(1)
        expect(handles[0]).toMatchObject({ task: '2025-11-25', tools: ['preview_estimate_depth'] })
      } else {
        // A synchronous tool: no handle to follow, none journalled with an id.
        expect(handles.every((h) => h.task === undefined && h.id === null)).toBe(true)
      }
      depth[mode] = result.depth.values
    }
    expect(depth.tasks).toEqual(depth.default)
  }, 120_000)
})
