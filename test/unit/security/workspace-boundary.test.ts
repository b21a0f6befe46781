import { EventEmitter } from 'node:events'
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { copyFileAtomic, writeFileAtomic } from '../../../src/core/atomic-write.js'
import { cancellationSignal } from '../../../src/core/cancellation.js'
import { isKamuiError } from '../../../src/core/errors.js'
import { ensureFolder, resolveInWorkspace } from '../../../src/core/workspace.js'
import { removeDir } from '../../helpers/workspace.js'

let root: string
let workspace: string
let outside: string

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'kamui-boundary-'))
  workspace = path.join(root, 'ws')
  outside = path.join(root, 'outside')
  await mkdir(workspace)
  await mkdir(outside)
  await writeFile(path.join(outside, 'song.mp3'), 'not yours')
})
afterEach(async () => {
  await removeDir(root)
})

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('the workspace boundary resolves links', () => {
  it('refuses a folder-name through a symlink that leaves the workspace (FS_001)', async () => {
    await symlink(outside, path.join(workspace, 'results'))
    const error = thrown(() => resolveInWorkspace(workspace, 'results/run-1', 'folder-name'))
    expect(isKamuiError(error, 'FS_001')).toBe(true)
    expect(String(error)).toContain(outside)
  })

  it('refuses a music file that is a symlink to a file outside (FS_001), when resolving and when copying', async () => {
    await symlink(path.join(outside, 'song.mp3'), path.join(workspace, 'song.mp3'))
    expect(
      isKamuiError(
        thrown(() => resolveInWorkspace(workspace, 'song.mp3', 'music-file')),
        'FS_001',
      ),
    ).toBe(true)
    const copy = await copyFileAtomic(
      path.join(workspace, 'song.mp3'),
      path.join(workspace, 'docs/song.mp3'),
      {
        workspace,
      },
    ).catch((e: unknown) => e)
    expect(isKamuiError(copy, 'FS_001')).toBe(true)
  })

  it('accepts links that stay inside, and refuses dangling links', async () => {
    await mkdir(path.join(workspace, 'real'))
    await symlink(path.join(workspace, 'real'), path.join(workspace, 'alias'))
    expect(resolveInWorkspace(workspace, 'alias/run', 'folder-name')).toBe(
      path.join(workspace, 'alias/run'),
    )
    await symlink(path.join(root, 'nowhere'), path.join(workspace, 'dangling'))
    expect(
      isKamuiError(
        thrown(() => resolveInWorkspace(workspace, 'dangling/x', 'folder-name')),
        'FS_001',
      ),
    ).toBe(true)
  })

  it('never accepts the workspace root or .git as a folder', () => {
    for (const value of ['.', './', workspace]) {
      expect(
        isKamuiError(
          thrown(() => resolveInWorkspace(workspace, value, 'folder-name')),
          'FS_003',
        ),
        value,
      ).toBe(true)
    }
    for (const value of ['.git', '.git/hooks', 'a/../.git/x', '.GIT']) {
      expect(
        isKamuiError(
          thrown(() => resolveInWorkspace(workspace, value, 'folder-name')),
          'FS_001',
        ),
        value,
      ).toBe(true)
    }
  })

  it('refuses an existing folder that holds a link leading out (later writes would follow it)', async () => {
    await mkdir(path.join(workspace, 'out'))
    await symlink(outside, path.join(workspace, 'out', 'images'))
    const error = thrown(() => resolveInWorkspace(workspace, 'out', 'folder-name'))
    expect(isKamuiError(error, 'FS_001')).toBe(true)
    expect(String(error)).toContain(path.join(workspace, 'out', 'images'))
  })

  it('creates folders step by step and stops at a planted link (FS_001)', async () => {
    await mkdir(path.join(workspace, 'out'))
    await symlink(outside, path.join(workspace, 'out', 'images'))
    const error = await ensureFolder(workspace, path.join(workspace, 'out/images/deeper')).catch(
      (e: unknown) => e,
    )
    expect(isKamuiError(error, 'FS_001')).toBe(true)
    await ensureFolder(workspace, path.join(workspace, 'out/new/deeper'))
  })

  it('reports OS errors as FS_002 with the path, not GEN_001: ENOTDIR', async () => {
    await writeFile(path.join(workspace, 'file'), 'x')
    const target = path.join(workspace, 'file', 'report.json')
    const error = await writeFileAtomic(target, '{}').catch((e: unknown) => e)
    expect(isKamuiError(error, 'FS_002')).toBe(true)
    expect(String(error)).toMatch(/ENOTDIR/)
    expect(String(error)).toContain(path.join(workspace, 'file'))
    const ensure = await ensureFolder(workspace, path.join(workspace, 'file', 'x')).catch(
      (e: unknown) => e,
    )
    expect(isKamuiError(ensure, 'FS_002')).toBe(true)
    expect(await readFile(path.join(workspace, 'file'), 'utf8')).toBe('x')
  })
})

describe('cancellation', () => {
  it('keeps its handlers after the first signal, so a second SIGTERM cannot kill the run', () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process
    const { signal, dispose } = cancellationSignal(proc)
    proc.emit('SIGTERM', 'SIGTERM')
    expect(signal.aborted).toBe(true)
    expect(String((signal.reason as Error).message)).toMatch(/RUN_001: Cancelled by SIGTERM/)
    // With no listener left, Node's default action would end the process on this one.
    expect(proc.listenerCount('SIGTERM')).toBe(1)
    proc.emit('SIGTERM', 'SIGTERM')
    expect(String((signal.reason as Error).message)).toMatch(/SIGTERM/)
    dispose()
    expect(proc.listenerCount('SIGTERM')).toBe(0)
    expect(proc.listenerCount('SIGINT')).toBe(0)
  })
})
