/**
 * Publishing a stage's results folder: commit and push to a branch (the legacy behaviour, with
 * rebase-and-retry for concurrent jobs), upload as a workflow artifact, or nothing.
 */
export {
  ArtifactPublisher,
  artifactNameFor,
  defaultArtifactName,
  type ArtifactPublisherOptions,
  type ArtifactUploader,
} from './artifact-publisher.js'
export {
  BOT_EMAIL,
  BOT_NAME,
  GitPublisher,
  PUSH_ATTEMPTS,
  classifyPushFailure,
  validateBranchName,
  type GitPublisherOptions,
  type PushFailure,
} from './git-publisher.js'
export { publishStageResults, type PublishStageOptions } from './from-inputs.js'
export { jobStartedAt } from './files.js'
export { execGitRunner, type GitOutput, type GitRunner } from './git-runner.js'
export {
  PUBLISH_INPUTS,
  checkPublishInputs,
  createPublishers,
  parsePublishMode,
  publishResults,
  publishSummaryLine,
  type PublishDeps,
} from './publish.js'
export {
  PUBLISH_ERROR_CODE,
  PUBLISH_MODES,
  skippedResult,
  type PublishMode,
  type PublishRequest,
  type PublishResult,
  type Publisher,
} from './types.js'
