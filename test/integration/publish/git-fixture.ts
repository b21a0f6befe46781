import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import {
  GitPublisher,
  type GitPublisherOptions,
} from '../../../src/output/publish/git-publisher.js'

const run = promisify(execFile)

/** Identity of the fixture's own setup commits (the publisher brings its own). */
const SETUP_IDENTITY = ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.invalid']

/**
 * A bare repository standing in for GitHub (`origin`), with `main` holding one commit, and
 * helpers to clone it into workspaces. Every git process, the publisher's included, runs with
 * a private HOME, no system config and the C locale, so the machine's git config plays no part.
 */
export interface GitFixture {
  root: string
  bare: string
  /** Environment of every git process of the test. */
  env: Record<string, string>
  /** Folder for the publisher's temporary worktrees (checked to be empty afterwards). */
  tempDir: string
  /** Runs git in `cwd`; rejects on a non-zero exit. Returns stdout. */
  git(cwd: string, ...args: string[]): Promise<string>
  /** Runs git in `cwd` and returns the exit code instead of throwing. */
  gitCode(cwd: string, ...args: string[]): Promise<number>
  /** The bytes of a blob of the bare repository (`<commit>:<path>` or a blob id). */
  readBlob(rev: string): Promise<Buffer>
  /** A fresh clone of the bare repository, on `main`. */
  clone(name: string): Promise<string>
  /** A GitPublisher for the fixture: its env, short backoff, its temp folder. */
  publisher(
    redactor?: Redactor,
    options?: Partial<GitPublisherOptions>,
  ): { publisher: GitPublisher; logger: MemoryLogger; redactor: Redactor }
  dispose(): Promise<void>
}

export async function createGitFixture(): Promise<GitFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kamui-publish-test-'))
  const home = path.join(root, 'home')
  const tempDir = path.join(root, 'tmp')
  await mkdir(home)
  await mkdir(tempDir)
  const globalConfig = path.join(home, '.gitconfig')
  await writeFile(globalConfig, '')
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    ...(process.platform === 'win32'
      ? { SystemRoot: process.env['SystemRoot'] ?? '', USERPROFILE: home }
      : {}),
  }
  const git = async (cwd: string, ...args: string[]): Promise<string> => {
    const { stdout } = await run('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 })
    return stdout
  }
  const gitCode = async (cwd: string, ...args: string[]): Promise<number> => {
    try {
      await run('git', args, { cwd, env })
      return 0
    } catch (error) {
      return (error as { code?: number }).code ?? -1
    }
  }
  const bare = path.join(root, 'remote.git')
  await git(root, '-c', 'init.defaultBranch=main', 'init', '--quiet', '--bare', bare)
  const seed = path.join(root, 'seed')
  await git(root, 'clone', '--quiet', bare, seed)
  await git(seed, 'checkout', '--quiet', '-b', 'main')
  await writeFile(path.join(seed, 'README.md'), '# project\n')
  await git(seed, 'add', 'README.md')
  await git(seed, ...SETUP_IDENTITY, 'commit', '--quiet', '-m', 'initial')
  await git(seed, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main')

  return {
    root,
    bare,
    env,
    tempDir,
    git,
    gitCode,
    async readBlob(rev) {
      const { stdout } = await run('git', ['cat-file', 'blob', rev], {
        cwd: bare,
        env,
        encoding: 'buffer',
        maxBuffer: 64 * 1024 * 1024,
      })
      return stdout
    },
    async clone(name) {
      const dir = path.join(root, name)
      await git(root, 'clone', '--quiet', bare, dir)
      return dir
    },
    publisher(redactor = new Redactor(), options = {}) {
      const logger = new MemoryLogger()
      const publisher = new GitPublisher({
        redactor,
        logger,
        env,
        tempDir,
        minRetryDelayMs: 10,
        maxRetryDelayMs: 100,
        ...options,
      })
      return { publisher, logger, redactor }
    },
    async dispose() {
      await rm(root, { recursive: true, force: true })
    },
  }
}

/** Writes `files` (relative path → content) below `dir`. */
export async function writeFiles(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, ...name.split('/'))
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
  }
}

/** A few bytes that look like a PNG (signature and an IHDR tag), enough for a binary blob. */
export function fakePng(seed: string): Uint8Array {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.from('IHDR'),
    Buffer.from(seed),
    Buffer.from([0, 0xff, 0xfe, 0x00, 0x10]),
  ])
}
