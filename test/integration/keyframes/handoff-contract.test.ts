import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import {
  KeyframeSegmentHandoffSchema,
  KeyframesHandoffSchema,
  type ReadyKeyframeSegment,
} from '../../../src/contracts/keyframes-handoff.js'
import { parseKeyframesInputs } from '../../../src/stages/keyframes/inputs.js'
import { runKeyframes } from '../../../src/stages/keyframes/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, storyboardFile } from './helpers.js'

/**
 * The keyframes handoff contract (src/contracts/keyframes-handoff.ts) holds for what the
 * keyframes stage produces: its keyframes.json is what the video stage reads, and every segment
 * it announces while running (the pipeline streams them to the video stage) is that file's
 * segment.
 */
describe('the keyframes handoff contract', () => {
  it('keyframes.json and the announced segments match the schema the video stage reads', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const announced: ReadyKeyframeSegment[] = []
    const result = await runKeyframes(
      {
        ...parseKeyframesInputs({
          'storyboard-file': await storyboardFile(workspace),
          'product-images': photos.join(','),
          'folder-name': 'out',
        }),
        onSegmentReady: (segment) => announced.push(segment),
      },
      testContext(workspace),
    )
    const written = KeyframesHandoffSchema.parse(
      JSON.parse(await readFile(result.file, 'utf8')) as unknown,
    )
    expect(written.segments.map((s) => s.index)).toEqual([1, 2, 3, 4])
    expect(announced.map((s) => s.index).sort()).toEqual([1, 2, 3, 4])
    for (const segment of announced) {
      expect(KeyframeSegmentHandoffSchema.safeParse(segment).success).toBe(true)
      expect(written.segments.find((s) => s.index === segment.index)).toMatchObject({
        index: segment.index,
        description: segment.description,
        duration: segment.duration,
        status: 'complete',
        firstFrame: { path: segment.firstFrame.path, url: segment.firstFrame.url },
        lastFrame: { path: segment.lastFrame.path, url: segment.lastFrame.url },
      })
    }
  })
})
