import { ERROR_CODES, type ErrorCode } from '../../core/errors.js'

/**
 * How a stage's results folder is published after the stage succeeded.
 *
 * - `auto`: `commit` when running inside GitHub Actions with a non-empty `branch-name` in a
 *   checkout that has an `origin` remote; otherwise nothing is published (with a reason).
 * - `commit`: commit `{folder}/` to `branch-name` and push it (the legacy modules' behaviour).
 * - `artifact`: upload `{folder}/` as a workflow artifact.
 * - `none`: publish nothing.
 */
export type PublishMode = 'auto' | 'commit' | 'artifact' | 'none'

/** Every {@link PublishMode}, in the order the input's description lists them. */
export const PUBLISH_MODES: readonly PublishMode[] = ['auto', 'commit', 'artifact', 'none']

/** What to publish and where. */
export interface PublishRequest {
  /** Absolute path of the workspace (`GITHUB_WORKSPACE` or the CLI's cwd). */
  workspace: string
  /** Absolute path of the results folder; it must lie inside `workspace`. */
  folder: string
  /** Branch the folder is committed to (`branch-name`); may be empty for `auto` / `artifact`. */
  branch: string
  /** Commit message (redacted before use). */
  message: string
  mode: PublishMode
  /** Name of the stage that produced the folder (`image-generation`, …), for artifact names. */
  stage: string
  /** Artifact name; default `kamui-<stage>-<folder basename>`, sanitised. */
  artifactName?: string
  /**
   * When this job started (epoch ms, see `jobStartedAt`): files last modified before it are
   * stale files of an earlier run in the same folder and are not published (they are listed
   * in a warning). Absent: every file is published.
   */
  since?: number
}

/** What publishing did. */
export interface PublishResult {
  /** The mode that actually ran (`auto` resolves to `commit` or `none`). */
  mode: Exclude<PublishMode, 'auto'>
  /** Whether a new commit was made. */
  committed: boolean
  /** Whether the branch on `origin` was updated. */
  pushed: boolean
  /** The commit now holding the folder on `branch` (the pushed commit), or null. */
  commit: string | null
  branch: string | null
  /** Push attempts (1 when the first push landed; 0 when nothing was pushed or uploaded). */
  attempts: number
  artifact: { name: string; id?: number; size?: number } | null
  /** Why nothing was published (mode `none`, `auto` outside Actions, nothing to commit…). */
  skippedReason: string | null
}

/** One way of publishing a folder (git commit and push, or workflow artifact). */
export interface Publisher {
  /**
   * Why this publisher cannot run for `request` in this environment (used by mode `auto`), or
   * null when it can. Never throws.
   */
  unavailableReason(request: PublishRequest): Promise<string | null>
  /**
   * Publishes `request.folder`.
   *
   * @throws KamuiError {@link PUBLISH_ERROR_CODE} when publishing fails, CFG_001 for invalid
   *   settings, FS_001 for a folder outside the workspace
   */
  publish(request: PublishRequest, signal?: AbortSignal): Promise<PublishResult>
}

/**
 * Error code of publishing failures: `PUB_001` once `src/core/errors.ts` declares it,
 * `GEN_001` until then.
 */
export const PUBLISH_ERROR_CODE: ErrorCode = Object.hasOwn(ERROR_CODES, 'PUB_001')
  ? ('PUB_001' as ErrorCode)
  : 'GEN_001'

/** A result that published nothing, for `reason`. */
export function skippedResult(reason: string): PublishResult {
  return {
    mode: 'none',
    committed: false,
    pushed: false,
    commit: null,
    branch: null,
    attempts: 0,
    artifact: null,
    skippedReason: reason,
  }
}
