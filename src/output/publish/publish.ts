import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { Redactor } from '../../core/redactor.js'
import { ArtifactPublisher, type ArtifactPublisherOptions } from './artifact-publisher.js'
import { GitPublisher, type GitPublisherOptions } from './git-publisher.js'
import {
  PUBLISH_MODES,
  skippedResult,
  type PublishMode,
  type PublishRequest,
  type PublishResult,
  type Publisher,
} from './types.js'

export { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'

/** What {@link publishResults} needs from its adapter. */
export interface PublishDeps {
  /** Commits and pushes (normally a {@link GitPublisher}). */
  git: Publisher
  /** Uploads a workflow artifact (normally an {@link ArtifactPublisher}). */
  artifact: Publisher
  logger: Logger
  redactor: Redactor
  /** Whether this is a GitHub Actions run (the adapter reads `GITHUB_ACTIONS`; this never does). */
  inActions: boolean
  signal?: AbortSignal
}

/**
 * Parses the `publish` input: `auto` (also when empty), `commit`, `artifact`, `none`; `true`
 * means `commit` and `false` means `none` (case and surrounding spaces ignored).
 *
 * @throws KamuiError CFG_001 for anything else
 */
export function parsePublishMode(value: string): PublishMode {
  const text = value.trim().toLowerCase()
  if (text === '') return 'auto'
  if (text === 'true') return 'commit'
  if (text === 'false') return 'none'
  if ((PUBLISH_MODES as readonly string[]).includes(text)) return text as PublishMode
  throw new KamuiError(
    'CFG_001',
    `publish must be one of ${PUBLISH_MODES.join(', ')} (or true / false), not "${value}".`,
  )
}

/**
 * Checks the publish inputs of a stage before anything is generated, so that a run does not
 * spend its models' time and then fail to publish: `publish` must be a known mode, `commit`
 * needs a `branch-name`, and a `branch-name` must look like a git branch name (the full
 * `git check-ref-format` check runs again when publishing).
 *
 * @throws KamuiError CFG_001 naming the input and what is accepted
 */
export function checkPublishInputs(raw: Record<string, string | undefined>): void {
  const mode = raw['publish'] === undefined ? 'auto' : parsePublishMode(raw['publish'])
  const branch = (raw['branch-name'] ?? '').trim()
  if (mode === 'commit' && branch === '') {
    throw new KamuiError(
      'CFG_001',
      'publish: commit needs branch-name (the branch the results are committed to).',
    )
  }
  if (
    branch !== '' &&
    (mode === 'commit' || mode === 'auto') &&
    (/[\s~^:?*[\\]|\.\.|@\{|^-|^\/|\/$|\.lock$|\/\/|\.$/.test(branch) ||
      [...branch].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
      branch === '@')
  ) {
    throw new KamuiError(
      'CFG_001',
      `branch-name "${branch}" is not a valid git branch name (git check-ref-format --branch): ` +
        'no spaces, "..", "~", "^", ":", "?", "*", "[", "\\", no leading "-" and no trailing "/" or ".lock".',
    )
  }
}

/**
 * Publishes a stage's results folder as `request.mode` says:
 *
 * - `none`: nothing;
 * - `commit`: `deps.git` (fails when it cannot commit or push);
 * - `artifact`: `deps.artifact` (only inside GitHub Actions, where the artifact service is);
 * - `auto`: `deps.git` when inside GitHub Actions, `branch` is non-empty and the workspace is a
 *   git repository with an `origin` remote; otherwise nothing, with the reason.
 *
 * @throws KamuiError from the publisher; CFG_001 for `artifact` outside GitHub Actions
 */
export async function publishResults(
  request: PublishRequest,
  deps: PublishDeps,
): Promise<PublishResult> {
  const logger = deps.redactor.wrap(deps.logger)
  const skip = (reason: string): PublishResult => {
    logger.info(`Results not published: ${reason}.`)
    return skippedResult(reason)
  }
  switch (request.mode) {
    case 'none':
      return skip('publish is "none"')
    case 'commit':
      return deps.git.publish(request, deps.signal)
    case 'artifact':
      if (!deps.inActions) {
        throw new KamuiError(
          'CFG_001',
          'publish: artifact works only inside a GitHub Actions run (the artifact service belongs to the runner). ' +
            'Use publish: commit or none here.',
        )
      }
      return deps.artifact.publish(request, deps.signal)
    case 'auto': {
      if (!deps.inActions) return skip('not running in GitHub Actions (publish is "auto")')
      if (request.branch.trim() === '') return skip('branch-name is empty (publish is "auto")')
      const reason = await deps.git.unavailableReason(request)
      if (reason !== null) return skip(`${reason} (publish is "auto")`)
      return deps.git.publish(request, deps.signal)
    }
  }
}

/** One Markdown line for the job summary describing what {@link publishResults} did. */
export function publishSummaryLine(result: PublishResult): string {
  if (result.mode === 'commit' && result.pushed && result.commit !== null) {
    return (
      `Published: commit \`${result.commit.slice(0, 12)}\` pushed to \`${result.branch ?? ''}\`` +
      (result.attempts > 1 ? ` (after ${result.attempts} attempts).` : '.')
    )
  }
  if (result.mode === 'artifact' && result.artifact !== null) {
    return `Published: artifact \`${result.artifact.name}\`.`
  }
  return `Not published: ${result.skippedReason ?? 'nothing to publish'}.`
}

/** The default publishers: git through `@actions/exec`, artifacts through `@actions/artifact`. */
export function createPublishers(
  options: { redactor: Redactor; logger: Logger } & Omit<
    GitPublisherOptions,
    'redactor' | 'logger'
  > & {
      artifact?: Omit<ArtifactPublisherOptions, 'redactor' | 'logger'>
    },
): { git: Publisher; artifact: Publisher } {
  const { artifact, ...git } = options
  return {
    git: new GitPublisher(git),
    artifact: new ArtifactPublisher({
      redactor: options.redactor,
      logger: options.logger,
      ...artifact,
    }),
  }
}
