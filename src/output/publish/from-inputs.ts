import path from 'node:path'
import type { RawInputs } from '../../core/input-spec.js'
import type { Logger } from '../../core/logger.js'
import type { Redactor } from '../../core/redactor.js'
import { createPublishers, parsePublishMode, publishResults, type PublishDeps } from './publish.js'
import type { PublishMode, PublishResult } from './types.js'

/** What {@link publishStageResults} needs from an adapter (action entry or CLI). */
export interface PublishStageOptions {
  /** The stage's raw inputs: `publish`, `artifact-name` and `branch-name` are read from them. */
  raw: RawInputs
  /** The stage (command) name, for the commit message and the artifact name. */
  stage: string
  workspace: string
  /** Absolute path of the stage's results folder. */
  folder: string
  /** Whether this is a GitHub Actions run (`GITHUB_ACTIONS === 'true'`, read by the adapter). */
  inActions: boolean
  logger: Logger
  redactor: Redactor
  signal?: AbortSignal
  /**
   * Mode used when the stage does not declare the `publish` input (the legacy v1 interface,
   * which keeps exactly its five inputs). Default `auto`.
   */
  defaultMode?: PublishMode
  /** Publishers to use instead of the defaults (tests). */
  publishers?: Pick<PublishDeps, 'git' | 'artifact'>
  /**
   * When the job started (`jobStartedAt`): older files of the folder are stale files of an
   * earlier run and are not published. Absent: every file is published.
   */
  since?: number
}

/**
 * Publishes a stage's results folder as its inputs say: the adapters' single call after a
 * successful stage. The commit message is `<stage>: results in <folder>/`.
 */
export async function publishStageResults(options: PublishStageOptions): Promise<PublishResult> {
  const { raw } = options
  const mode =
    raw['publish'] === undefined
      ? (options.defaultMode ?? 'auto')
      : parsePublishMode(raw['publish'])
  const publishers =
    options.publishers ?? createPublishers({ redactor: options.redactor, logger: options.logger })
  const artifactName = (raw['artifact-name'] ?? '').trim()
  return publishResults(
    {
      workspace: options.workspace,
      folder: options.folder,
      branch: (raw['branch-name'] ?? '').trim(),
      message: `${options.stage}: results in ${path.basename(options.folder)}/`,
      mode,
      stage: options.stage,
      ...(artifactName !== '' ? { artifactName } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
    },
    {
      ...publishers,
      logger: options.logger,
      redactor: options.redactor,
      inActions: options.inActions,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  )
}
