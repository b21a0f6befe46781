import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import pRetry, { type Options as RetryOptions } from 'p-retry'
import { abortReason } from '../../core/abort.js'
import { KamuiError, isKamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import type { Redactor } from '../../core/redactor.js'
import { isInside } from '../../core/workspace.js'
import {
  checkFolder,
  secretLocation,
  listFolderFiles,
  warnStale,
  secretFilesError,
  type FolderFile,
} from './files.js'
import { execGitRunner, stripUrlCredentials, type GitOutput, type GitRunner } from './git-runner.js'
import {
  PUBLISH_ERROR_CODE,
  type PublishRequest,
  type PublishResult,
  type Publisher,
} from './types.js'

/** Author and committer of result commits (the identity `actions/checkout` documents). */
export const BOT_NAME = 'github-actions[bot]'
export const BOT_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com'

/** Push attempts before giving up when other jobs keep pushing to the same branch. */
export const PUSH_ATTEMPTS = 5

const IDENTITY = [
  '-c',
  `user.name=${BOT_NAME}`,
  '-c',
  `user.email=${BOT_EMAIL}`,
  '-c',
  'commit.gpgsign=false',
]

/** Options of {@link GitPublisher}. */
export interface GitPublisherOptions {
  /** Files holding any of its secrets are never committed. */
  redactor: Redactor
  logger?: Logger
  /** Remote to fetch from and push to (default `origin`). */
  remote?: string
  /** Push attempts (default {@link PUSH_ATTEMPTS}). */
  maxAttempts?: number
  /** First backoff delay between push attempts, ms (default 1000; doubled each time, jittered). */
  minRetryDelayMs?: number
  /** Longest backoff delay, ms (default 15000). */
  maxRetryDelayMs?: number
  /** Where the temporary worktree goes (default `os.tmpdir()`). */
  tempDir?: string
  /** Environment of the git processes (default: inherited). Ignored when `runGit` is given. */
  env?: Record<string, string | undefined>
  /** How git is run (default: `@actions/exec`, see {@link execGitRunner}). */
  runGit?: GitRunner
}

/** How a failed push is handled: rebase and retry, retry as is, or fail. */
export type PushFailure = 'rejected' | 'transient' | 'fatal'

/** The fields every commit-mode result shares. */
type ResultBase = Omit<PublishResult, 'committed' | 'pushed' | 'commit' | 'attempts'>

/** What one publish commits and where: fixed for all its push attempts. */
interface PushJob {
  /** Repository root (real path). */
  repo: string
  /** The temporary worktree the commit is built in. */
  worktree: string
  branch: string
  /** The folder relative to `repo`, `/`-separated. */
  relPosix: string
  files: readonly FolderFile[]
  message: string
}

/** Where the push attempts stand: the commit to push (null: already on the branch) and its parent. */
interface PushProgress {
  attempts: number
  parent: string
  head: string | null
}

/**
 * Publishes a results folder the way the legacy modules did (commit `{folder}/` to
 * `branch-name`, push to `origin`), without touching the user's working tree, index or current
 * branch:
 *
 * 1. `git fetch origin +refs/heads/<branch>:refs/remotes/origin/<branch>` (a branch that does
 *    not exist yet on the remote is fine: the commit then starts from the current HEAD);
 * 2. a temporary `git worktree` in the OS temp folder, detached at that commit;
 * 3. the folder's files are copied in at the same path relative to the repository root, each
 *    one checked for registered secrets first (a file holding one fails the publish), then
 *    `git add --force`, and a commit by `github-actions[bot]`; the files are added or replaced,
 *    never deleted, so results of earlier stages on the branch stay;
 * 4. `git push origin <commit>:refs/heads/<branch>` from the main repository (its credentials
 *    apply). When another job pushed first, the push is retried with p-retry (exponential
 *    backoff with jitter, {@link PUSH_ATTEMPTS} attempts): fetch, `git rebase --onto
 *    origin/<branch> <old base>` (a conflict, when both jobs wrote the same file, rebuilds the
 *    commit on the new tip instead, so this run's files win), push again;
 * 5. the worktree is removed (`git worktree remove --force`, `git worktree prune`) in `finally`.
 */
export class GitPublisher implements Publisher {
  private readonly redactor: Redactor
  private readonly logger: Logger
  private readonly remote: string
  private readonly maxAttempts: number
  private readonly minRetryDelayMs: number
  private readonly maxRetryDelayMs: number
  private readonly tempDir: string | undefined
  private readonly git: GitRunner

  constructor(options: GitPublisherOptions) {
    this.redactor = options.redactor
    this.logger = options.logger ?? silentLogger
    this.remote = options.remote ?? 'origin'
    this.maxAttempts = Math.max(1, options.maxAttempts ?? PUSH_ATTEMPTS)
    this.minRetryDelayMs = options.minRetryDelayMs ?? 1000
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 15_000
    this.tempDir = options.tempDir
    this.git = options.runGit ?? execGitRunner(options.env)
  }

  async unavailableReason(request: PublishRequest): Promise<string | null> {
    try {
      const top = await this.git(['rev-parse', '--show-toplevel'], request.workspace)
      if (top.exitCode !== 0) return 'the workspace is not a git repository (no actions/checkout)'
      const remote = await this.git(['remote', 'get-url', this.remote], request.workspace)
      if (remote.exitCode !== 0) return `the repository has no "${this.remote}" remote`
      return null
    } catch {
      return 'git is not available'
    }
  }

  async publish(request: PublishRequest, signal?: AbortSignal): Promise<PublishResult> {
    if (signal?.aborted) throw abortReason(signal)
    const branch = request.branch.trim()
    const { repo, folder, relPosix } = await this.resolveTarget(request, branch)
    const files = await this.listPublishable(folder, request.since)
    const base: ResultBase = {
      mode: 'commit',
      branch,
      artifact: null,
      skippedReason: null,
    }
    if (files.length === 0) {
      return {
        ...base,
        committed: false,
        pushed: false,
        commit: null,
        attempts: 0,
        skippedReason: `${relPosix}/ holds no files: nothing to commit`,
      }
    }
    const message = this.commitMessage(request.message, relPosix)
    return this.commitAndPush({ repo, branch, relPosix, files, message }, base, signal)
  }

  /**
   * Checks the branch name, the repository, where the folder lies in it and the remote.
   *
   * @returns the repository root (real path), the folder (real path) and its path relative to
   *   the root with `/` separators
   * @throws KamuiError CFG_001 when the branch name is invalid, the workspace is not a git
   *   repository, the folder is not inside it (or is inside `.git`), or the remote is missing
   */
  private async resolveTarget(
    request: PublishRequest,
    branch: string,
  ): Promise<{ repo: string; folder: string; relPosix: string }> {
    const checked = await checkFolder(request)
    await validateBranchName(branch, checked.workspace, this.git)
    const repo = await this.repositoryRoot(checked.workspace)
    const relative = path.relative(repo, checked.folder)
    if (relative === '' || !isInside(repo, checked.folder)) {
      throw new KamuiError(
        'CFG_001',
        `The results folder ${request.folder} is not inside the repository ${repo}, so it cannot be committed.`,
      )
    }
    const relPosix = relative.split(path.sep).join('/')
    if (relPosix.split('/')[0] === '.git') {
      throw new KamuiError('CFG_001', `The results folder ${request.folder} is inside .git.`)
    }
    await this.run(
      ['remote', 'get-url', this.remote],
      repo,
      'CFG_001',
      () => `publish: commit needs a "${this.remote}" remote to push to`,
    )
    return { repo, folder: checked.folder, relPosix }
  }

  /** The folder's files to commit (changed since `since`), warning about stale and skipped ones. */
  private async listPublishable(
    folder: string,
    since: PublishRequest['since'],
  ): Promise<FolderFile[]> {
    const { files, skipped, stale } = await listFolderFiles(folder, since)
    warnStale(this.logger, stale, 'committed')
    if (skipped.length > 0) {
      this.logger.warn(
        `Not committed (symbolic links and .git entries are never published): ${skipped.join(', ')}`,
      )
    }
    return files
  }

  /**
   * Builds the commit in a temporary worktree started at the remote branch's tip (or HEAD when
   * the branch does not exist yet) and pushes it; the worktree is always removed.
   */
  private async commitAndPush(
    job: Omit<PushJob, 'worktree'>,
    base: ResultBase,
    signal: AbortSignal | undefined,
  ): Promise<PublishResult> {
    const { repo, branch, relPosix, files, message } = job
    const temp = await mkdtemp(path.join(this.tempDir ?? os.tmpdir(), 'kamui-publish-'))
    const worktree = path.join(temp, 'worktree')
    let worktreeAdded = false
    try {
      const tip = await this.fetchBranch(repo, branch, false)
      const start = tip ?? (await this.revParse(repo, 'HEAD'))
      this.logger.info(
        tip === null
          ? `Branch ${branch} does not exist on ${this.remote} yet: it starts from ${start.slice(0, 12)}.`
          : `Branch ${branch} is at ${tip.slice(0, 12)} on ${this.remote}.`,
      )
      await this.run(['worktree', 'add', '--detach', '--quiet', worktree, start], repo)
      worktreeAdded = true
      const built = await this.buildCommit(worktree, relPosix, files, message)
      if (built === null) {
        return {
          ...base,
          committed: false,
          pushed: false,
          commit: tip,
          attempts: 0,
          skippedReason:
            tip === null
              ? `${relPosix}/ is unchanged from HEAD: nothing to commit, ${branch} not created`
              : `${relPosix}/ is unchanged on ${branch}: nothing to commit`,
        }
      }
      return await this.pushWithRetries(
        { ...job, worktree },
        { base, parent: start, head: built, signal },
      )
    } finally {
      if (worktreeAdded) {
        await this.git(['worktree', 'remove', '--force', worktree], repo).catch(() => undefined)
      }
      await rm(temp, { recursive: true, force: true }).catch(() => undefined)
      await this.git(['worktree', 'prune'], repo).catch(() => undefined)
    }
  }

  /**
   * Pushes `state.head`, retrying with p-retry ({@link pushAttempt} rebases onto the new tip
   * when another job pushed first).
   *
   * @throws KamuiError PUBLISH_ERROR_CODE when every attempt failed retryably; the attempt's own
   *   error when it was fatal; the abort reason when `state.signal` fired
   */
  private async pushWithRetries(
    job: PushJob,
    state: {
      base: ResultBase
      parent: string
      head: string
      signal: AbortSignal | undefined
    },
  ): Promise<PublishResult> {
    const { signal } = state
    const progress: PushProgress = { attempts: 0, parent: state.parent, head: state.head }
    try {
      await pRetry(
        (attemptNumber) => this.pushAttempt(job, progress, attemptNumber),
        this.pushRetryOptions(job.branch, signal),
      )
    } catch (error) {
      if (signal?.aborted) throw abortReason(signal)
      if (isKamuiError(error) && error.retryable) {
        throw new KamuiError(
          PUBLISH_ERROR_CODE,
          `Gave up pushing to ${job.branch} after ${progress.attempts} attempts: ${error.detail}`,
          { cause: error },
        )
      }
      throw error
    }
    return this.pushOutcome(job, progress, state.base)
  }

  /**
   * One push attempt. From the second on, fetches the branch first and rebases onto its new tip
   * when it moved (`progress.head` becomes null when the tip already holds the files).
   *
   * @throws AttemptError when the push (or fetch) fails
   */
  private async pushAttempt(
    job: PushJob,
    progress: PushProgress,
    attemptNumber: number,
  ): Promise<void> {
    const { repo, worktree, branch, relPosix, files, message } = job
    progress.attempts = attemptNumber
    if (attemptNumber > 1) {
      const tip = await this.fetchBranch(repo, branch, true)
      if (tip !== null && tip !== progress.parent) {
        progress.head = await this.rebaseOnto(
          worktree,
          tip,
          progress.parent,
          relPosix,
          files,
          message,
        )
        progress.parent = tip
        if (progress.head === null) return
      }
    }
    const head = progress.head
    if (head === null) return
    const push = await this.git(
      ['push', '--porcelain', this.remote, `${head}:refs/heads/${branch}`],
      repo,
    )
    if (push.exitCode === 0) return
    throw new AttemptError(
      classifyPushFailure(push),
      this.describe(['push', this.remote, `${head.slice(0, 12)}:refs/heads/${branch}`], push),
    )
  }

  /** p-retry options: exponential backoff with jitter; retryable errors only; warns per retry. */
  private pushRetryOptions(branch: string, signal: AbortSignal | undefined): RetryOptions {
    return {
      retries: this.maxAttempts - 1,
      factor: 2,
      minTimeout: this.minRetryDelayMs,
      maxTimeout: this.maxRetryDelayMs,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => !signal?.aborted && isKamuiError(error) && error.retryable,
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (retriesLeft === 0 || !(error instanceof AttemptError) || !error.retryable) return
        this.logger.warn(
          error.failure === 'rejected'
            ? `Push to ${branch} was rejected (attempt ${attemptNumber} of ${this.maxAttempts}): ` +
                'another job pushed first. Fetching, rebasing and pushing again.'
            : `Push to ${branch} failed (attempt ${attemptNumber} of ${this.maxAttempts}): ` +
                `${error.detail} Retrying.`,
        )
      },
    }
  }

  /** The result once the retries ended without error, logged. */
  private pushOutcome(job: PushJob, progress: PushProgress, base: ResultBase): PublishResult {
    const { branch, relPosix } = job
    const { head, parent, attempts } = progress
    if (head === null) {
      this.logger.info(`${relPosix}/ is already on ${branch} as pushed by another job.`)
      return {
        ...base,
        committed: false,
        pushed: false,
        commit: parent,
        attempts,
        skippedReason: `${relPosix}/ was already on ${branch} (pushed by another job): nothing to commit`,
      }
    }
    this.logger.info(
      `Committed ${relPosix}/ to ${branch} (${head}) and pushed it to ${this.remote}` +
        (attempts > 1 ? ` after ${attempts} attempts.` : '.'),
    )
    return { ...base, committed: true, pushed: true, commit: head, attempts }
  }

  /**
   * Replays the commit on top of `tip`. A conflict (both jobs wrote the same file) aborts the
   * rebase and rebuilds the commit on `tip` from the folder, so this run's files win.
   *
   * @returns the new commit, or null when `tip` already holds the folder's files
   */
  private async rebaseOnto(
    worktree: string,
    tip: string,
    parent: string,
    relPosix: string,
    files: readonly FolderFile[],
    message: string,
  ): Promise<string | null> {
    const rebase = await this.git(
      [...IDENTITY, 'rebase', '--quiet', '--no-verify', '--onto', tip, parent],
      worktree,
    )
    if (rebase.exitCode === 0) {
      const head = await this.revParse(worktree, 'HEAD')
      return head === tip ? null : head
    }
    this.logger.info(
      `Rebasing onto ${tip.slice(0, 12)} conflicted (another job wrote the same files): ` +
        'rebuilding the commit on the new tip.',
    )
    await this.git(['rebase', '--abort'], worktree)
    await this.run(['reset', '--hard', '--quiet', tip], worktree)
    return this.buildCommit(worktree, relPosix, files, message)
  }

  /**
   * Copies the files into the worktree (after the secret check), stages them and commits.
   *
   * @returns the new commit, or null when nothing changed
   */
  private async buildCommit(
    worktree: string,
    relPosix: string,
    files: readonly FolderFile[],
    message: string,
  ): Promise<string | null> {
    const target = path.join(worktree, ...relPosix.split('/'))
    const refused: string[] = []
    for (const file of files) {
      const bytes = await readFile(file.absolute)
      const found = secretLocation(this.redactor, bytes, file.relative)
      if (found !== undefined) {
        refused.push(this.redactor.redact(`${relPosix}/${file.relative} (${found})`))
        continue
      }
      const destination = path.join(target, ...file.relative.split('/'))
      await mkdir(path.dirname(destination), { recursive: true })
      const existing = await stat(destination).catch(() => null)
      if (existing?.isDirectory()) await rm(destination, { recursive: true, force: true })
      const mode = (await stat(file.absolute)).mode & 0o777
      await writeFile(destination, bytes, { mode })
    }
    if (refused.length > 0) throw secretFilesError(refused, `${relPosix}/`)
    await this.run(['--literal-pathspecs', 'add', '--force', '--', relPosix], worktree)
    const diff = await this.git(['diff', '--cached', '--quiet'], worktree)
    if (diff.exitCode === 0) return null
    if (diff.exitCode !== 1) throw new KamuiError(PUBLISH_ERROR_CODE, this.describe(['diff'], diff))
    await this.run(
      [...IDENTITY, 'commit', '--quiet', '--no-verify', '--no-gpg-sign', `--message=${message}`],
      worktree,
    )
    return this.revParse(worktree, 'HEAD')
  }

  /**
   * Fetches `branch` into `refs/remotes/<remote>/<branch>`.
   *
   * @returns its tip, or null when the remote has no such branch
   */
  private async fetchBranch(
    repo: string,
    branch: string,
    retrying: boolean,
  ): Promise<string | null> {
    const tracking = `refs/remotes/${this.remote}/${branch}`
    const args = [
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-write-fetch-head',
      this.remote,
      `+refs/heads/${branch}:${tracking}`,
    ]
    const fetched = await this.git(args, repo)
    if (fetched.exitCode === 0) return this.revParse(repo, `${tracking}^{commit}`)
    const listed = await this.git(
      ['ls-remote', '--exit-code', '--heads', this.remote, `refs/heads/${branch}`],
      repo,
    )
    if (listed.exitCode === 2) return null
    if (retrying) throw new AttemptError('transient', this.describe(args, fetched))
    throw new KamuiError(PUBLISH_ERROR_CODE, this.describe(args, fetched))
  }

  private async repositoryRoot(workspace: string): Promise<string> {
    const out = await this.git(['rev-parse', '--show-toplevel'], workspace)
    if (out.exitCode !== 0) {
      throw new KamuiError(
        'CFG_001',
        `publish: commit needs the workspace ${workspace} to be a git repository (check it out with actions/checkout), ` +
          'or use publish: artifact or none.',
      )
    }
    return realpath(out.stdout.trim())
  }

  private async revParse(cwd: string, rev: string): Promise<string> {
    const out = await this.run(
      ['rev-parse', '--verify', '--quiet', rev],
      cwd,
      PUBLISH_ERROR_CODE,
      () =>
        rev === 'HEAD'
          ? 'the repository has no commit yet (HEAD does not exist): commit something first'
          : `git rev-parse ${rev} failed`,
    )
    return out.stdout.trim()
  }

  /** Runs git and throws a redacted error naming the command when it fails. */
  private async run(
    args: string[],
    cwd: string,
    code: typeof PUBLISH_ERROR_CODE = PUBLISH_ERROR_CODE,
    explain?: (out: GitOutput) => string,
  ): Promise<GitOutput> {
    const out = await this.git(args, cwd)
    if (out.exitCode === 0) return out
    const detail = explain
      ? `${explain(out)}. ${this.describe(args, out)}`
      : this.describe(args, out)
    throw new KamuiError(code, detail)
  }

  /** `git <command> failed (exit N): <stderr>`, without secrets or URL credentials. */
  private describe(args: readonly string[], out: GitOutput): string {
    const shown = args.filter((a, i) => a !== '-c' && args[i - 1] !== '-c')
    const output = [out.stderr.trim(), out.stdout.trim()].filter((s) => s !== '').join('\n')
    const text =
      `git ${shown.join(' ')} failed (exit ${out.exitCode})` +
      (output === '' ? '.' : `: ${output.length > 2000 ? `${output.slice(0, 2000)}…` : output}`)
    return stripUrlCredentials(this.redactor.redact(text))
  }

  private commitMessage(message: string, relPosix: string): string {
    const clean = this.redactor.redact(message.replaceAll('\0', '')).trim()
    return clean === '' ? `Add ${relPosix}/` : clean
  }
}

/** A failed push (or fetch between pushes), retryable unless `failure` is `fatal`. */
class AttemptError extends KamuiError {
  constructor(
    readonly failure: PushFailure,
    detail: string,
  ) {
    super(PUBLISH_ERROR_CODE, detail, { retryable: failure !== 'fatal' })
  }
}

/**
 * Checks `branch` with `git check-ref-format --branch`.
 *
 * @throws KamuiError CFG_001 when it is empty or not a valid branch name
 */
export async function validateBranchName(
  branch: string,
  cwd: string,
  git: GitRunner,
): Promise<void> {
  if (branch === '') {
    throw new KamuiError(
      'CFG_001',
      'publish: commit needs branch-name (the branch the results are committed to).',
    )
  }
  const out = branch.startsWith('-')
    ? null
    : await git(['check-ref-format', '--branch', branch], cwd)
  if (out === null || out.exitCode !== 0 || branch.includes('@{')) {
    throw new KamuiError(
      'CFG_001',
      `branch-name "${branch}" is not a valid git branch name (git check-ref-format --branch): ` +
        'no spaces, "..", "~", "^", ":", "?", "*", "[", "\\", no leading "-" and no trailing "/" or ".lock".',
    )
  }
}

/**
 * How a failed `git push --porcelain` is handled.
 *
 * - `rejected`: another job updated the branch first (`[rejected] (fetch first)`,
 *   `(non-fast-forward)`, or the remote could not update or lock the ref): fetch, rebase, retry;
 * - `transient`: the connection failed (DNS, timeouts, HTTP 5xx, RPC failures): retry;
 * - `fatal`: permissions, protected branches, hooks and anything unknown: fail now.
 */
export function classifyPushFailure(out: GitOutput): PushFailure {
  const refused = out.stdout.split(/\r?\n/).filter((line) => line.startsWith('!'))
  if (refused.length > 0) {
    const retry = refused.every((line) => {
      const summary = line.split('\t')[2] ?? ''
      if (summary.startsWith('[rejected]'))
        return /fetch first|non-fast-forward|stale info/.test(summary)
      if (summary.startsWith('[remote rejected]')) {
        return /failed to (update|lock)|cannot lock|incorrect old value|but expected|already exists/i.test(
          summary,
        )
      }
      return false
    })
    return retry ? 'rejected' : 'fatal'
  }
  const text = out.stderr
  if (
    /\b40[13]\b|authentication failed|permission to .* denied|could not read username|protected branch|GH0\d\d/i.test(
      text,
    )
  ) {
    return 'fatal'
  }
  if (/\[rejected\]|non-fast-forward|fetch first/.test(text)) return 'rejected'
  if (
    /could not resolve host|connection (timed out|reset|refused)|operation timed out|rpc failed|early eof|unexpected disconnect|remote end hung up|\b50[0-4]\b|temporarily unavailable/i.test(
      text,
    )
  ) {
    return 'transient'
  }
  return 'fatal'
}
