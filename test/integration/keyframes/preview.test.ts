import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeyframesFileSchema } from '../../../src/stages/keyframes/keyframes-file.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage, storyboardFile } from './helpers.js'

describe('keyframes on the offline preview provider', () => {
  it('a four-segment storyboard yields 5 generated and 3 inherited frames, the copies identical to their sources', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const { result, error } = await runStage(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': photos.join('\n'),
    })
    expect(error).toBeUndefined()
    const folder = path.join(workspace, 'out')
    const json = KeyframesFileSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'keyframes.json'), 'utf8')),
    )
    expect(json.summary).toMatchObject({
      segments: 4,
      completeSegments: 4,
      frames: 8,
      generatedFrames: 5,
      inheritedFrames: 3,
    })
    expect(json.preview).toBe(true)
    expect(json.segments.map((s) => s.label)).toEqual(['Hook', 'Body 1', 'Body 2', 'CTA'])
    expect(json.segments.map((s) => [s.firstFrame.status, s.lastFrame.status])).toEqual([
      ['generated', 'generated'],
      ['inherited', 'generated'],
      ['inherited', 'generated'],
      ['inherited', 'generated'],
    ])
    for (const segment of json.segments.slice(1)) {
      const first = segment.firstFrame
      expect(first.inherited).toBe(true)
      expect(first.inheritedFrom).toEqual({
        segment: segment.index - 1,
        kind: 'last',
        path: `keyframes/segment-${segment.index - 1}-last.png`,
      })
      const copy = await readFile(path.join(folder, first.path as string))
      const source = await readFile(
        path.join(folder, `keyframes/segment-${segment.index - 1}-last.png`),
      )
      expect(copy.equals(source)).toBe(true)
      expect(first.sha256).toBe(json.segments[segment.index - 2]?.lastFrame.sha256)
    }
    expect(json.segments[0]?.firstFrame.inherited).toBe(false)
    for (const frame of json.segments.flatMap((s) => [s.firstFrame, s.lastFrame])) {
      expect([frame.width, frame.height]).toEqual([1280, 720])
      expect(frame.preview).toBe(true)
    }
    // the CTA's last frame was composed without a next segment
    expect(json.segments[3]?.lastFrame.composition).toMatch(/no\b.*next|closing end card/i)
    expect(json.segments[0]?.lastFrame.composition).toContain(json.segments[1]?.description)
    expect(await listFiles(path.join(folder, 'keyframes'))).toEqual(
      [1, 2, 3, 4].flatMap((n) => [`segment-${n}-first.png`, `segment-${n}-last.png`]),
    )
    expect(result?.frameCount).toBe(8)
    const verified = await verifyTelemetry(folder)
    expect(verified.problems).toEqual([])
    expect(verified.ok).toBe(true)
    const telemetry = JSON.parse(
      await readFile(path.join(folder, 'metadata/artifact-metadata.json'), 'utf8'),
    ) as {
      stage: string
      artifacts: { path: string; preview: boolean; derived_from?: string }[]
    }
    expect(telemetry.stage).toBe('keyframes')
    expect(
      telemetry.artifacts.find((a) => a.path === 'keyframes/segment-3-first.png')?.derived_from,
    ).toBe('keyframes/segment-2-last.png')
  })

  it('kamui keyframes writes template stories labelled preview and prints the outputs', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const run = await runKamui(
      [
        'keyframes',
        '--concept',
        'A red ceramic mug',
        '--product-images',
        photos.slice(0, 2).join(','),
        '--segment-count',
        '3',
        '--aspect-ratio',
        '9:16',
        '--story-index',
        '2',
        '--folder-name',
        'out',
      ],
      { cwd: workspace },
    )
    expect(run.stderr).not.toMatch(/Error:/)
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      'keyframes-json': 'out/keyframes.json',
      'frame-count': '6',
      'generated-frames': '4',
      'inherited-frames': '2',
      'failed-segments': '[]',
      'keyframes-completed': 'true',
    })
    expect(run.stderr).toMatch(/KF_001: only 2 product images/)
    const stories = JSON.parse(
      await readFile(path.join(workspace, 'out/stories.json'), 'utf8'),
    ) as {
      preview: boolean
      stories: { title: string; narrative: string }[]
    }
    expect(stories.preview).toBe(true)
    expect(stories.stories).toHaveLength(3)
    for (const story of stories.stories)
      expect(story.narrative).toMatch(/^PREVIEW: an offline template story/)
    const json = KeyframesFileSchema.parse(
      JSON.parse(await readFile(path.join(workspace, 'out/keyframes.json'), 'utf8')),
    )
    expect(json.story?.title).toBe(stories.stories[1]?.title)
    expect(json.storyIndex).toBe(2)
    expect([json.width, json.height]).toEqual([720, 1280])
    expect(json.notices.join(' ')).toMatch(/PREVIEW templates/)
  })
})
