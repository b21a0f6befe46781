import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { writeTestPly } from './fixtures.js'

describe('kamui web-player-generation and threejs-pointcloud-viewer on the command line', () => {
  let workspace: string
  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-web-cli-')
    await writeTestPly(path.join(workspace, 'run/pointcloud.ply'), 10, 8)
  })
  afterAll(async () => {
    await removeDir(workspace)
  })

  it('builds the player and the viewer, prints the legacy outputs, masks the token', async () => {
    const env = { GITHUB_REPOSITORY: undefined, GITHUB_ACTIONS: undefined }
    const player = await runKamui(
      [
        'web-player-generation',
        '--folder-name',
        'run',
        '--music-concept',
        'Rain on roses',
        '--oauth-token',
        'tok-SECRET-123',
      ],
      { cwd: workspace, env },
    )
    expect(player.stderr).not.toContain('tok-SECRET-123')
    expect(player.code, player.stderr).toBe(0)
    expect(player.outputs).toEqual({
      'web-player-created': 'true',
      'web-player-url': 'run/index.html',
      'docs-deployed': 'true',
      'web-player-path': 'run/index.html',
    })
    expect(await readFile(path.join(workspace, 'docs/run/index.html'), 'utf8')).toContain(
      'Rain on roses',
    )

    const viewer = await runKamui(
      [
        'threejs-pointcloud-viewer',
        '--ply-file-path',
        'run/pointcloud.ply',
        '--output-folder',
        'docs/viewer',
        '--point-size',
        '2',
      ],
      { cwd: workspace, env },
    )
    expect(viewer.code, viewer.stderr).toBe(0)
    expect(viewer.outputs).toEqual({
      'viewer-completed': 'true',
      'viewer-path': 'docs/viewer/index.html',
      'assets-count': '3',
    })
    const bad = await runKamui(
      [
        'threejs-pointcloud-viewer',
        '--ply-file-path',
        'run/pointcloud.ply',
        '--output-folder',
        'v',
        '--point-size',
        'big',
      ],
      { cwd: workspace, env },
    )
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      'WEB_001: point-size must be a number from 0.01 to 100, got "big".',
    )
  })
})
