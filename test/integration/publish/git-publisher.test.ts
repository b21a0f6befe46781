import { chmod, readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { Redactor } from '../../../src/core/redactor.js'
import { BOT_EMAIL, BOT_NAME } from '../../../src/output/publish/git-publisher.js'
import { execGitRunner, type GitRunner } from '../../../src/output/publish/git-runner.js'
import { createPublishers, publishResults } from '../../../src/output/publish/publish.js'
import { PUBLISH_ERROR_CODE, type PublishRequest } from '../../../src/output/publish/types.js'
import { createGitFixture, fakePng, writeFiles, type GitFixture } from './git-fixture.js'

const BRANCH = 'results/x'

describe('GitPublisher against a local bare repository', () => {
  let fx: GitFixture
  beforeEach(async () => {
    fx = await createGitFixture()
  })
  afterEach(async () => {
    await fx.dispose()
  })

  function request(workspace: string, folder: string, extra: Partial<PublishRequest> = {}) {
    return {
      workspace,
      folder: path.join(workspace, folder),
      branch: BRANCH,
      message: `image-generation: add ${folder}/`,
      mode: 'commit',
      stage: 'image-generation',
      ...extra,
    } satisfies PublishRequest
  }

  /** The tip of `branch` in the bare repository, or null when it does not exist. */
  async function remoteTip(branch = BRANCH): Promise<string | null> {
    const out = await fx.git(
      fx.bare,
      'for-each-ref',
      '--format=%(objectname)',
      `refs/heads/${branch}`,
    )
    return out.trim() === '' ? null : out.trim()
  }

  async function treeFiles(rev: string): Promise<string[]> {
    const out = await fx.git(fx.bare, 'ls-tree', '-r', '--name-only', rev)
    return out.split('\n').filter((l) => l !== '')
  }

  async function changedFiles(commit: string): Promise<string[]> {
    const out = await fx.git(fx.bare, 'diff-tree', '--no-commit-id', '--name-only', '-r', commit)
    return out
      .split('\n')
      .filter((l) => l !== '')
      .sort()
  }

  async function workspaceState(dir: string) {
    return {
      head: (await fx.git(dir, 'rev-parse', 'HEAD')).trim(),
      branch: (await fx.git(dir, 'rev-parse', '--abbrev-ref', 'HEAD')).trim(),
      status: await fx.git(dir, 'status', '--porcelain', '--untracked-files=all'),
      worktrees: (await fx.git(dir, 'worktree', 'list', '--porcelain'))
        .split('\n')
        .filter((l) => l.startsWith('worktree ')).length,
    }
  }

  it('commits the folder to a new branch and pushes it, leaving the workspace as it was', async () => {
    const ws = await fx.clone('ws')
    const png = fakePng('a')
    await writeFiles(ws, {
      'out/images/a.png': png,
      'out/images/b.png': fakePng('b'),
      'out/google-image-url.txt': 'https://example.invalid/a.png\n',
    })
    const before = await workspaceState(ws)
    const mainTip = (await fx.git(ws, 'rev-parse', 'HEAD')).trim()
    const { publisher } = fx.publisher()

    const result = await publisher.publish(request(ws, 'out'))

    const tip = await remoteTip()
    expect(tip).not.toBeNull()
    expect(result).toMatchObject({
      mode: 'commit',
      committed: true,
      pushed: true,
      commit: tip,
      branch: BRANCH,
      attempts: 1,
      artifact: null,
      skippedReason: null,
    })
    expect(await changedFiles(tip!)).toEqual([
      'out/google-image-url.txt',
      'out/images/a.png',
      'out/images/b.png',
    ])
    expect(await treeFiles(tip!)).toEqual([
      'README.md',
      'out/google-image-url.txt',
      'out/images/a.png',
      'out/images/b.png',
    ])
    expect((await fx.git(fx.bare, 'rev-parse', `${tip}^`)).trim()).toBe(mainTip)
    expect(await fx.git(fx.bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', tip!)).toBe(
      `${BOT_NAME} <${BOT_EMAIL}>|${BOT_NAME} <${BOT_EMAIL}>|image-generation: add out/\n`,
    )
    const stored = await fx.readBlob(`${tip}:out/images/a.png`)
    expect(Buffer.compare(stored, Buffer.from(png))).toBe(0)

    // The user's checkout: same HEAD, same branch, same status, no leftover worktree.
    expect(await workspaceState(ws)).toEqual(before)
    expect(before.branch).toBe('main')
    expect(before.worktrees).toBe(1)
    expect(await readdir(fx.tempDir)).toEqual([])
    expect((await fx.git(fx.bare, 'rev-parse', 'refs/heads/main')).trim()).toBe(mainTip)
  })

  it('commits at the path relative to the repository root when the workspace is a sub-folder', async () => {
    const repo = await fx.clone('ws')
    const ws = path.join(repo, 'sub')
    await writeFiles(ws, { 'out/images/a.png': fakePng('a') })
    const { publisher } = fx.publisher()
    const result = await publisher.publish(request(ws, 'out'))
    expect(result.pushed).toBe(true)
    expect(await changedFiles(result.commit!)).toEqual(['sub/out/images/a.png'])
  })

  it('adds to an existing branch, keeps earlier files, and commits nothing when unchanged', async () => {
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/images/a.png': fakePng('a') })
    const { publisher } = fx.publisher()
    const first = await publisher.publish(request(ws, 'out'))

    const again = await publisher.publish(request(ws, 'out'))
    expect(again).toMatchObject({ committed: false, pushed: false, commit: first.commit })
    expect(again.skippedReason).toMatch(/unchanged on results\/x: nothing to commit/)
    expect(await remoteTip()).toBe(first.commit)

    // A later stage in a fresh checkout of main writes only its own files: both stay.
    const later = await fx.clone('later')
    await writeFiles(later, { 'out/videos/segment-1.mp4': 'mp4 bytes' })
    const second = await fx.publisher().publisher.publish(request(later, 'out'))
    expect(second.committed).toBe(true)
    expect((await fx.git(fx.bare, 'rev-parse', `${second.commit}^`)).trim()).toBe(first.commit)
    expect(await treeFiles(BRANCH)).toEqual([
      'README.md',
      'out/images/a.png',
      'out/videos/segment-1.mp4',
    ])
  })

  it('lands both of two concurrent publishes to the same branch', async () => {
    const a = await fx.clone('a')
    const b = await fx.clone('b')
    await writeFiles(a, { 'run-a/images/a.png': fakePng('a'), 'run-a/report.json': '{"a":1}' })
    await writeFiles(b, { 'run-b/images/b.png': fakePng('b'), 'run-b/report.json': '{"b":2}' })
    const pa = fx.publisher()
    const pb = fx.publisher()

    const [ra, rb] = await Promise.all([
      pa.publisher.publish(request(a, 'run-a')),
      pb.publisher.publish(request(b, 'run-b')),
    ])

    expect(ra.pushed && rb.pushed).toBe(true)
    expect(await treeFiles(BRANCH)).toEqual([
      'README.md',
      'run-a/images/a.png',
      'run-a/report.json',
      'run-b/images/b.png',
      'run-b/report.json',
    ])
    expect((await fx.git(fx.bare, 'rev-list', '--count', `main..${BRANCH}`)).trim()).toBe('2')
    expect([ra.commit, rb.commit]).toContain(await remoteTip())
    expect(await readdir(fx.tempDir)).toEqual([])
  })

  it('fetches, rebases and pushes again when another job pushed first', async () => {
    const a = await fx.clone('a')
    const b = await fx.clone('b')
    await writeFiles(a, { 'run-a/images/a.png': fakePng('a') })
    await writeFiles(b, { 'run-b/images/b.png': fakePng('b') })
    // B's first push waits until A has pushed, so it is rejected for certain.
    const pa = fx.publisher()
    const inner = execGitRunner(fx.env)
    let held = false
    const raced: GitRunner = async (args, cwd) => {
      if (args[0] === 'push' && !held) {
        held = true
        await pa.publisher.publish(request(a, 'run-a'))
      }
      return inner(args, cwd)
    }
    const pb = fx.publisher(undefined, { runGit: raced })

    const rb = await pb.publisher.publish(request(b, 'run-b'))

    expect(rb).toMatchObject({ committed: true, pushed: true, attempts: 2 })
    expect(await remoteTip()).toBe(rb.commit)
    expect(await treeFiles(BRANCH)).toEqual([
      'README.md',
      'run-a/images/a.png',
      'run-b/images/b.png',
    ])
    expect(pb.logger.lines.map((l) => l.message).join('\n')).toMatch(
      /rejected \(attempt 1 of 5\): another job pushed first/,
    )
  })

  it('rebuilds the commit on the new tip when both jobs wrote the same file, so its files win', async () => {
    const a = await fx.clone('a')
    const b = await fx.clone('b')
    await writeFiles(a, { 'out/report.json': '{"from":"a"}', 'out/a.txt': 'a' })
    await writeFiles(b, { 'out/report.json': '{"from":"b"}', 'out/b.txt': 'b' })
    const pa = fx.publisher()
    const inner = execGitRunner(fx.env)
    let held = false
    const raced: GitRunner = async (args, cwd) => {
      if (args[0] === 'push' && !held) {
        held = true
        await pa.publisher.publish(request(a, 'out'))
      }
      return inner(args, cwd)
    }
    const pb = fx.publisher(undefined, { runGit: raced })
    const rb = await pb.publisher.publish(request(b, 'out'))

    expect(rb).toMatchObject({ pushed: true, attempts: 2 })
    expect(await treeFiles(BRANCH)).toEqual([
      'README.md',
      'out/a.txt',
      'out/b.txt',
      'out/report.json',
    ])
    expect(await fx.git(fx.bare, 'show', `${BRANCH}:out/report.json`)).toBe('{"from":"b"}')
    expect((await fx.git(fx.bare, 'rev-list', '--count', `main..${BRANCH}`)).trim()).toBe('2')
  })

  it('publishes nothing with mode none, or auto outside GitHub Actions', async () => {
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/images/a.png': fakePng('a') })
    const redactor = new Redactor()
    const { logger } = fx.publisher()
    const deps = {
      ...createPublishers({ redactor, logger, env: fx.env, tempDir: fx.tempDir }),
      logger,
      redactor,
    }

    const none = await publishResults(request(ws, 'out', { mode: 'none' }), {
      ...deps,
      inActions: true,
    })
    expect(none).toMatchObject({ mode: 'none', committed: false, pushed: false, commit: null })
    const auto = await publishResults(request(ws, 'out', { mode: 'auto' }), {
      ...deps,
      inActions: false,
    })
    expect(auto.skippedReason).toMatch(/not running in GitHub Actions/)
    expect(await remoteTip()).toBeNull()
    expect(await fx.git(fx.bare, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main\n')

    const inActions = await publishResults(request(ws, 'out', { mode: 'auto' }), {
      ...deps,
      inActions: true,
    })
    expect(inActions).toMatchObject({ mode: 'commit', pushed: true })
    expect(await remoteTip()).toBe(inActions.commit)
  })

  it('skips auto in a workspace that is not a git repository, and fails commit there', async () => {
    const ws = path.join(fx.root, 'plain')
    await writeFiles(ws, { 'out/a.txt': 'a' })
    const redactor = new Redactor()
    const { logger } = fx.publisher()
    const deps = {
      ...createPublishers({ redactor, logger, env: fx.env, tempDir: fx.tempDir }),
      logger,
      redactor,
      inActions: true,
    }
    const auto = await publishResults(request(ws, 'out', { mode: 'auto' }), deps)
    expect(auto.skippedReason).toMatch(/not a git repository/)
    const error = await publishResults(request(ws, 'out'), deps).catch((e: unknown) => e)
    expect(isKamuiError(error, 'CFG_001')).toBe(true)
    expect(String(error)).toMatch(/git repository/)
  })

  it('refuses a file holding a registered secret and pushes nothing', async () => {
    const secret = `sk-live-${Math.random().toString(36).slice(2)}`
    const redactor = new Redactor()
    redactor.add(secret)
    const ws = await fx.clone('ws')
    await writeFiles(ws, {
      'out/images/a.png': fakePng('a'),
      'out/images/leak.png': Buffer.concat([Buffer.from(fakePng('x')), Buffer.from(secret)]),
      'out/notes.txt': `token: ${secret}\n`,
    })
    const { publisher, logger } = fx.publisher(redactor)

    const error = await publisher.publish(request(ws, 'out')).catch((e: unknown) => e)

    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    const message = (error as Error).message
    expect(message).toContain('out/images/leak.png')
    expect(message).toContain('out/notes.txt')
    expect(message).not.toContain('out/images/a.png')
    expect(message).not.toContain(secret)
    expect(logger.lines.map((l) => l.message).join('\n')).not.toContain(secret)
    expect(await remoteTip()).toBeNull()
    expect(await readdir(fx.tempDir)).toEqual([])
    expect((await workspaceState(ws)).worktrees).toBe(1)
  })

  it('commits no file, path or message holding a secret', async () => {
    const secrets = [`oauth-${Math.random().toString(36).slice(2)}`, 'KAMUI-PASS-0123456789']
    const redactor = new Redactor()
    redactor.add(...secrets)
    const ws = await fx.clone('ws')
    await writeFiles(ws, {
      'out/images/generated-image.png': fakePng('a'),
      'out/google-image-url.txt': 'https://example.invalid/a.png\n',
      'out/metadata/generation-report.json': JSON.stringify({ prompt: 'roses', model: 'x' }),
    })
    const { publisher } = fx.publisher(redactor)

    const result = await publisher.publish(
      request(ws, 'out', { message: `image-generation: roses ${secrets[0]}` }),
    )

    expect(result.pushed).toBe(true)
    const message = await fx.git(fx.bare, 'log', '-1', '--format=%B', result.commit!)
    expect(message).toContain('roses ***')
    const blobs = (await fx.git(fx.bare, 'ls-tree', '-r', result.commit!))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(/\s+/)[2]!)
    expect(blobs.length).toBe(4)
    const texts = [message, await fx.git(fx.bare, 'ls-tree', '-r', '--name-only', result.commit!)]
    for (const blob of blobs) texts.push((await fx.readBlob(blob)).toString('latin1'))
    for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret)
  })

  it('fails with CFG_001 for an invalid branch name and pushes nothing', async () => {
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/a.txt': 'a' })
    const { publisher } = fx.publisher()
    for (const branch of ['bad..name', 'with space', '-x', 'results/x.lock', 'a@{1}', 'x~1', '']) {
      const error = await publisher.publish(request(ws, 'out', { branch })).catch((e: unknown) => e)
      expect(isKamuiError(error, 'CFG_001'), branch).toBe(true)
      expect((error as Error).message).toMatch(/branch/)
    }
    expect(await fx.git(fx.bare, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main\n')
  })

  it('names the git command and its stderr when the remote cannot be reached', async () => {
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/a.txt': 'a' })
    await fx.git(ws, 'remote', 'set-url', 'origin', path.join(fx.root, 'missing.git'))
    const { publisher } = fx.publisher()
    const error = await publisher.publish(request(ws, 'out')).catch((e: unknown) => e)
    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    expect((error as Error).message).toMatch(/git (fetch|push) .*failed \(exit \d+\)/)
    expect(await readdir(fx.tempDir)).toEqual([])
  })

  it('fails at once, naming git push and the remote message, when a hook declines the push', async () => {
    const hook = path.join(fx.bare, 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "results are frozen" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/a.txt': 'a' })
    const { publisher } = fx.publisher()
    const error = await publisher.publish(request(ws, 'out')).catch((e: unknown) => e)
    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    const message = (error as Error).message
    expect(message).toMatch(
      /git push origin [0-9a-f]{12}:refs\/heads\/results\/x failed \(exit 1\)/,
    )
    expect(message).toContain('results are frozen')
    expect(message).toContain('[remote rejected]')
    expect(message).not.toMatch(/Gave up/)
    expect(await remoteTip()).toBeNull()
  })

  it('retries a push that failed on the connection, and gives up after 5 attempts', async () => {
    const ws = await fx.clone('ws')
    await writeFiles(ws, { 'out/a.txt': 'a' })
    const inner = execGitRunner(fx.env)
    let failures = 1
    let pushes = 0
    const flaky: GitRunner = async (args, cwd) => {
      if (args[0] !== 'push') return inner(args, cwd)
      pushes++
      if (pushes > failures) return inner(args, cwd)
      return {
        exitCode: 128,
        stdout: '',
        stderr: 'fatal: unable to access: Could not resolve host: github.com',
      }
    }
    const once = await fx
      .publisher(undefined, { runGit: flaky })
      .publisher.publish(request(ws, 'out'))
    expect(once).toMatchObject({ pushed: true, attempts: 2 })

    await writeFiles(ws, { 'out/b.txt': 'b' })
    failures = Infinity
    pushes = 0
    const error = await fx
      .publisher(undefined, { runGit: flaky })
      .publisher.publish(request(ws, 'out'))
      .catch((e: unknown) => e)
    expect(isKamuiError(error, PUBLISH_ERROR_CODE)).toBe(true)
    expect((error as Error).message).toMatch(
      /Gave up pushing to results\/x after 5 attempts: .*Could not resolve host/,
    )
    expect(pushes).toBe(5)
    expect(await remoteTip()).toBe(once.commit)
  })
})
