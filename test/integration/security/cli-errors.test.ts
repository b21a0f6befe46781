import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runKamui } from '../../helpers/run-kamui.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'

describe('kamui fails early and with file-system codes', () => {
  let workspace: string
  beforeEach(async () => {
    workspace = await tempWorkspace('kamui-cli-fs-')
  })
  afterEach(async () => {
    await removeDir(workspace)
  })

  it('refuses publish: commit without branch-name before generating anything (CFG_001)', async () => {
    const run = await runKamui(
      ['image-generation-v2', '--image-prompt', 'x', '--folder-name', 'out', '--publish', 'commit'],
      { cwd: workspace },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^CFG_001: publish: commit needs branch-name/m)
    expect(await listFiles(workspace)).toEqual([])
  })

  it('reports a folder-name through a file as FS_002 with the path, not GEN_001: ENOTDIR', async () => {
    await writeFile(path.join(workspace, 'notes.txt'), 'a file')
    const run = await runKamui(
      ['image-generation-v2', '--image-prompt', 'x', '--folder-name', 'notes.txt/out'],
      { cwd: workspace },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).not.toMatch(/GEN_001/)
    expect(run.stderr).toMatch(/^FS_002: .*ENOTDIR.*notes\.txt/m)
  })

  it('refuses the workspace root and .git as folder-name', async () => {
    for (const [folder, code] of [
      ['.', 'FS_003'],
      ['.git/out', 'FS_001'],
    ] as const) {
      const run = await runKamui(
        ['image-generation-v2', '--image-prompt', 'x', '--folder-name', folder],
        { cwd: workspace },
      )
      expect(run.code, folder).toBe(1)
      expect(run.stderr, folder).toMatch(new RegExp(`^${code}: folder-name`, 'm'))
    }
  })
})
