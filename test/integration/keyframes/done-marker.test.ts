import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { completeStageFolder } from '../../../src/output/handoff/stage-folder.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage, storyboardFile } from './helpers.js'

interface DoneMarker {
  result: string
  producer: string | null
  reason: string | null
}

const doneMarkerOf = async (ws: string, folder: string): Promise<DoneMarker> =>
  (
    JSON.parse(
      await readFile(path.join(ws, folder, 'metadata/artifact-metadata.json'), 'utf8'),
    ) as { done_marker: DoneMarker }
  ).done_marker

/**
 * Keyframes read product photos; when the first one lies in another stage's folder (the image
 * stage's primary image in a pipeline), that folder's done marker is checked and the result is
 * recorded in the keyframes telemetry.
 */
describe('keyframes and the done marker of the folder its product photos come from', () => {
  it('records forced when the photos folder holds a stage record without a marker, detected once marked, and marks its own folder', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const storyboard = await storyboardFile(workspace)
    await mkdir(path.join(workspace, 'photos/metadata'), { recursive: true })
    await writeFile(
      path.join(workspace, 'photos/metadata/artifact-metadata.json'),
      '{"stage":"image"}\n',
    )
    const raw = {
      'storyboard-file': storyboard,
      'product-images': photos.join(','),
      'cache-ttl-hours': '0',
    }
    const forced = await runStage(
      workspace,
      { ...raw, 'folder-name': 'kf-forced' },
      { handoffTimeoutMs: 200 },
    )
    expect(forced.error).toBeUndefined()
    expect(await doneMarkerOf(workspace, 'kf-forced')).toMatchObject({
      result: 'forced',
      producer: 'photos',
    })
    expect(existsSync(path.join(workspace, 'kf-forced/metadata/artifact-metadata.json.done'))).toBe(
      true,
    )

    await completeStageFolder(path.join(workspace, 'photos'))
    const detected = await runStage(
      workspace,
      { ...raw, 'folder-name': 'kf-detected' },
      { handoffTimeoutMs: 200 },
    )
    expect(detected.error).toBeUndefined()
    expect(await doneMarkerOf(workspace, 'kf-detected')).toMatchObject({
      result: 'detected',
      producer: 'photos',
      reason: null,
    })
  })

  it('records not applicable when no stage folder holds the photos', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const { error } = await runStage(workspace, {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': photos.join(','),
    })
    expect(error).toBeUndefined()
    const marker = await doneMarkerOf(workspace, 'out')
    expect(marker).toMatchObject({ result: 'not_applicable', producer: null })
    expect(marker.reason).toMatch(/was not made by a stage of this suite/)
  })
})
