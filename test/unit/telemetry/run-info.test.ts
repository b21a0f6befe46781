import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readGitCommit, runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

const started = new Date('2025-11-13T09:30:00.123Z')
const SHA = '0123456789abcdef0123456789abcdef01234567'

describe('runInfoFromEnv', () => {
  it('reads the GitHub Actions variables', () => {
    const env = {
      GITHUB_RUN_ID: '987654321',
      GITHUB_WORKFLOW: 'Music video',
      GITHUB_JOB: 'images',
      GITHUB_SHA: SHA.toUpperCase(),
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_REPOSITORY: 'owner/repo',
    }
    expect(runInfoFromEnv(env, started, { commit: 'f'.repeat(40) })).toEqual({
      id: '987654321',
      workflow: 'Music video',
      job: 'images',
      commit: SHA,
      attempt: 2,
      repository: 'owner/repo',
      started_at: '2025-11-13T09:30:00.123Z',
    })
  })

  it('uses local stand-ins outside Actions, and the given commit', () => {
    expect(runInfoFromEnv({ GITHUB_RUN_ID: '  ' }, started, { commit: SHA })).toEqual({
      id: 'local-2025-11-13T09-30-00-123Z',
      workflow: 'local',
      job: 'local',
      commit: SHA,
      attempt: null,
      repository: null,
      started_at: '2025-11-13T09:30:00.123Z',
    })
    expect(runInfoFromEnv({}, started).commit).toBeNull()
    expect(runInfoFromEnv({ GITHUB_SHA: 'garbage' }, started).commit).toBeNull()
    expect(runInfoFromEnv({ GITHUB_RUN_ATTEMPT: 'x' }, started).attempt).toBeNull()
  })
})

describe('readGitCommit', () => {
  let dir: string
  beforeEach(async () => {
    dir = await tempWorkspace('kamui-git-')
  })
  afterEach(async () => {
    await removeDir(dir)
  })

  async function write(rel: string, text: string): Promise<void> {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
    await writeFile(path.join(dir, rel), text)
  }

  it('follows HEAD to a loose ref from a subfolder', async () => {
    await write('.git/HEAD', 'ref: refs/heads/main\n')
    await write('.git/refs/heads/main', `${SHA}\n`)
    await mkdir(path.join(dir, 'a', 'b'), { recursive: true })
    expect(await readGitCommit(path.join(dir, 'a', 'b'))).toBe(SHA)
  })

  it('reads packed refs and detached heads', async () => {
    await write('.git/HEAD', 'ref: refs/heads/main\n')
    await write('.git/packed-refs', `# pack-refs with: peeled\n${SHA} refs/heads/main\n`)
    expect(await readGitCommit(dir)).toBe(SHA)
    await write('.git/HEAD', `${'b'.repeat(40)}\n`)
    expect(await readGitCommit(dir)).toBe('b'.repeat(40))
  })

  it('follows a worktree .git file to the common dir', async () => {
    await write('main/.git/refs/heads/feature', `${SHA}\n`)
    await write('main/.git/worktrees/wt/HEAD', 'ref: refs/heads/feature\n')
    await write('main/.git/worktrees/wt/commondir', '../..\n')
    await write('wt/.git', `gitdir: ${path.join(dir, 'main/.git/worktrees/wt')}\n`)
    expect(await readGitCommit(path.join(dir, 'wt'))).toBe(SHA)
  })

  it('is null outside a checkout and in a repository without commits', async () => {
    expect(await readGitCommit(dir)).toBeNull()
    await write('.git/HEAD', 'ref: refs/heads/main\n')
    expect(await readGitCommit(dir)).toBeNull()
  })
})
