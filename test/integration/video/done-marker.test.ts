import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { completeStageFolder } from '../../../src/output/handoff/stage-folder.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from './media-helpers.js'

interface DoneMarker {
  result: string
  producer: string | null
  waited_ms: number | null
  reason: string | null
}

const doneMarkerOf = async (ws: string, folder: string): Promise<DoneMarker> =>
  (
    JSON.parse(
      await readFile(path.join(ws, folder, 'metadata/artifact-metadata.json'), 'utf8'),
    ) as { done_marker: DoneMarker }
  ).done_marker

/**
 * The video stage reads a frame that another stage's folder holds: it checks that folder's done
 * marker, records `forced` (with a warning) when it does not come in time and `detected` when it
 * is there, and marks its own folder done when it completes.
 */
describe('video-generation and the done marker of the folder its first frame comes from', () => {
  let ws: string
  let noFfmpeg: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-marker-')
    noFfmpeg = path.join(ws, 'bin-without-ffmpeg')
    await mkdir(noFfmpeg)
    // A producer stage folder: its telemetry file, and the image it made.
    await mkdir(path.join(ws, 'made/metadata'), { recursive: true })
    await mkdir(path.join(ws, 'made/images'), { recursive: true })
    await writeFile(path.join(ws, 'made/metadata/artifact-metadata.json'), '{"stage":"image"}\n')
    await writePng(path.join(ws, 'made/images/first.png'), FIRST_PICTURE(64, 48))
    await writePng(path.join(ws, 'plain.png'), FIRST_PICTURE(64, 48))
  })
  afterAll(async () => removeDir(ws))

  const run = async (folder: string, image: string) => {
    const context = testContext(ws, { env: { PATH: noFfmpeg }, handoffTimeoutMs: 300 })
    const result = await runVideoGeneration(
      parseVideoInputs({
        'video-prompt': 'a slow pan',
        'input-image-path': image,
        'folder-name': folder,
        model: 'preview',
        'allow-bundled-ffmpeg': 'true',
        duration: '1',
        fps: '5',
      }),
      context,
    )
    return { result, context }
  }

  it('records forced with a warning when the producer folder has no marker, then detected once it has one', async () => {
    const forced = await run('clips-forced', 'made/images/first.png')
    expect(forced.result.clips).toHaveLength(1)
    const marker = await doneMarkerOf(ws, 'clips-forced')
    expect(marker).toMatchObject({ result: 'forced', producer: 'made' })
    expect(marker.waited_ms).toBeGreaterThanOrEqual(250)
    expect(marker.reason).toMatch(/did not appear within 300 ms/)
    const warnings = forced.context.logger.lines.filter((l) => l.level === 'warn')
    expect(warnings.map((l) => l.message).join('\n')).toMatch(/did not appear within 300 ms/)
    // The stage completed: its own folder is marked done.
    expect(existsSync(path.join(ws, 'clips-forced/metadata/artifact-metadata.json.done'))).toBe(
      true,
    )

    await completeStageFolder(path.join(ws, 'made'))
    await run('clips-detected', 'made/images/first.png')
    expect(await doneMarkerOf(ws, 'clips-detected')).toMatchObject({
      result: 'detected',
      producer: 'made',
      reason: null,
    })
  })

  it('records not applicable, with the reason, for a frame no stage made', async () => {
    await run('clips-plain', 'plain.png')
    const marker = await doneMarkerOf(ws, 'clips-plain')
    expect(marker).toMatchObject({ result: 'not_applicable', producer: null })
    expect(marker.reason).toMatch(/plain\.png was not made by a stage of this suite/)
  })
})
