import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { RunInfo } from '../../core/run-info.js'

export type { RunInfo } from '../../core/run-info.js'

/** Options of {@link runInfoFromEnv}. */
export interface RunInfoOptions {
  /**
   * Commit to record when `GITHUB_SHA` is not set (the CLI: `await readGitCommit(cwd)`).
   * Ignored when `GITHUB_SHA` is set.
   */
  commit?: string | null
}

const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/

/**
 * The run information from the environment of a GitHub Actions job, or local stand-ins.
 *
 * | field | on Actions | elsewhere (the `kamui` CLI) |
 * |---|---|---|
 * | id | `GITHUB_RUN_ID` | `local-<started at, ISO 8601 with ":" and "." as "-">` |
 * | workflow | `GITHUB_WORKFLOW` | `local` |
 * | job | `GITHUB_JOB` | `local` |
 * | commit | `GITHUB_SHA` | `options.commit` (HEAD of the git checkout), else `null` |
 * | attempt | `GITHUB_RUN_ATTEMPT` | `null` |
 * | repository | `GITHUB_REPOSITORY` | `null` |
 *
 * `commit` is `null` only when no commit exists: not on Actions and not in a git checkout.
 * Called by adapters only (a stage never reads the environment, SPEC §2).
 *
 * @param env the process environment (or a test's)
 * @param startedAt when the stage started
 */
export function runInfoFromEnv(
  env: Record<string, string | undefined>,
  startedAt: Date,
  options: RunInfoOptions = {},
): RunInfo {
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim()
    return v ? v : undefined
  }
  const started = startedAt.toISOString()
  const attempt = Number.parseInt(value('GITHUB_RUN_ATTEMPT') ?? '', 10)
  const sha = value('GITHUB_SHA')
  return {
    id: value('GITHUB_RUN_ID') ?? `local-${started.replace(/[:.]/g, '-')}`,
    workflow: value('GITHUB_WORKFLOW') ?? 'local',
    job: value('GITHUB_JOB') ?? 'local',
    commit: normaliseCommit(sha !== undefined ? sha : (options.commit ?? null)),
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : null,
    repository: value('GITHUB_REPOSITORY') ?? null,
    started_at: started,
  }
}

function normaliseCommit(commit: string | null): string | null {
  const lower = commit?.trim().toLowerCase()
  return lower !== undefined && COMMIT.test(lower) ? lower : null
}

/**
 * The commit checked out in the git repository that holds `dir` (the HEAD of the nearest
 * `.git` above it), read from the repository files: no `git` process is started. Handles
 * detached heads, loose and packed refs, and worktrees / submodules (`.git` file).
 *
 * @returns the commit id, or null when `dir` is not in a git checkout or HEAD points nowhere
 *   (a fresh repository without commits)
 */
export async function readGitCommit(dir: string): Promise<string | null> {
  const gitDir = await findGitDir(path.resolve(dir))
  if (!gitDir) return null
  const head = (await readText(path.join(gitDir, 'HEAD')))?.trim()
  if (!head) return null
  if (!head.startsWith('ref:')) return normaliseCommit(head)
  const ref = head.slice(4).trim()
  const commonDir = await commonGitDir(gitDir)
  for (const base of new Set([gitDir, commonDir])) {
    const loose = (await readText(path.join(base, ref)))?.trim()
    if (loose) return normaliseCommit(loose)
  }
  const packed = await readText(path.join(commonDir, 'packed-refs'))
  for (const line of packed?.split('\n') ?? []) {
    const [id, name] = line.trim().split(' ')
    if (name === ref && id) return normaliseCommit(id)
  }
  return null
}

async function findGitDir(start: string): Promise<string | undefined> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, '.git')
    const info = await stat(candidate).catch(() => undefined)
    if (info?.isDirectory()) return candidate
    if (info?.isFile()) {
      const pointer = (await readText(candidate))?.match(/^gitdir:\s*(.+)$/m)?.[1]?.trim()
      if (pointer) return path.resolve(dir, pointer)
    }
    if (path.dirname(dir) === dir) return undefined
  }
}

/** The shared git dir of a worktree (`commondir`), or the git dir itself. */
async function commonGitDir(gitDir: string): Promise<string> {
  const common = (await readText(path.join(gitDir, 'commondir')))?.trim()
  return common ? path.resolve(gitDir, common) : gitDir
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined)
}
