import { readdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import type { RawInputs } from '../../../src/core/input-spec.js'
import { parseV1Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { threejsPointcloudViewerCommand } from '../../../src/stages/threejs-pointcloud-viewer/commands.js'
import { webPlayerGenerationCommand } from '../../../src/stages/web-player-generation/commands.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { writeTestPly } from '../web/fixtures.js'

describe('the web player and viewer copy nothing that must not be published', () => {
  let workspace: string
  let outside: string
  beforeEach(async () => {
    workspace = await tempWorkspace('kamui-pages-')
    outside = await tempWorkspace('kamui-pages-outside-')
    await runImageGeneration(
      parseV1Inputs({ 'image-prompt': 'A red fox in snow', 'folder-name': 'run' }),
      testContext(workspace),
    )
  })
  afterEach(async () => {
    await removeDir(workspace)
    await removeDir(outside)
  })

  const failure = async (run: () => Promise<unknown>): Promise<unknown> =>
    run().then(
      () => undefined,
      (error: unknown) => error,
    )

  it('refuses a music file that is a symlink to a file outside the workspace (FS_001)', async () => {
    await writeFile(path.join(outside, 'secret.mp3'), 'private bytes')
    await symlink(path.join(outside, 'secret.mp3'), path.join(workspace, 'song.mp3'))
    const raw: RawInputs = { 'folder-name': 'run', 'music-concept': 'x', 'music-file': 'song.mp3' }
    const error = await failure(() => webPlayerGenerationCommand.run(raw, testContext(workspace)))
    expect(isKamuiError(error, 'FS_001'), String(error)).toBe(true)
    expect((await listFiles(workspace)).filter((f) => f.startsWith('docs/'))).toEqual([])
  })

  it('refuses a viewer music file or PLY that links outside the workspace (FS_001)', async () => {
    await writeTestPly(path.join(outside, 'cloud.ply'), 4, 4)
    await symlink(path.join(outside, 'cloud.ply'), path.join(workspace, 'cloud.ply'))
    const error = await failure(() =>
      threejsPointcloudViewerCommand.run(
        { 'ply-file-path': 'cloud.ply', 'output-folder': 'viewer' },
        testContext(workspace),
      ),
    )
    expect(isKamuiError(error, 'FS_001'), String(error)).toBe(true)
    expect(await listFiles(path.join(workspace, 'viewer'))).toEqual([])
  })

  it('refuses to copy a page holding a secret into docs/, naming the file and line', async () => {
    const secret = `sk-live-${Math.random().toString(36).slice(2)}`
    const context = testContext(workspace)
    context.redactor.add(secret)
    const raw: RawInputs = { 'folder-name': 'run', 'music-concept': `Roses ${secret}` }
    const error = await failure(() => webPlayerGenerationCommand.run(raw, context))
    expect(isKamuiError(error), String(error)).toBe(true)
    expect(String(error)).toMatch(
      /Refusing to write docs\/run\/index\.html \(line \d+\) to the GitHub Pages folder/,
    )
    expect(String(error)).not.toContain(secret)
    const docs = await readdir(path.join(workspace, 'docs')).catch(() => [])
    expect(docs.filter((f) => f === 'index.html')).toEqual([])
  })

  it('refuses a docs-folder that is the player folder itself (FS_003) or the workspace root (FS_003)', async () => {
    for (const docs of ['run', '.']) {
      const error = await failure(() =>
        webPlayerGenerationCommand.run(
          { 'folder-name': 'run', 'music-concept': 'x', 'docs-folder': docs },
          testContext(workspace),
        ),
      )
      expect(isKamuiError(error, 'FS_003'), `${docs}: ${String(error)}`).toBe(true)
    }
  })
})
