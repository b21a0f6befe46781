import type { RetryPolicy } from './retry-policy.js'
import type { RunInfo } from './run-info.js'
import type { Logger } from './logger.js'
import type { Redactor } from './redactor.js'
import type { ProgressSink } from './progress-event.js'

/**
 * What every stage receives from its adapter (action entry or CLI command). Stages never read
 * environment variables or process state themselves (SPEC §2): everything comes in here.
 */
export interface StageContext {
  /** Absolute path all user paths are resolved in and may not leave (`GITHUB_WORKSPACE` or cwd). */
  workspace: string
  logger: Logger
  /** Secrets registered here are masked in logs and never written. */
  redactor: Redactor
  /** Environment for `${VAR}` expansion in `mcp-config` and as the base env of stdio servers. */
  env: Record<string, string | undefined>
  /** Cancellation (SIGINT / SIGTERM from the runner). */
  signal?: AbortSignal
  /** How to start the embedded preview MCP server (`previewServerLaunch()`). */
  previewServer: { command: string; args: string[] }
  /** Version of the suite, for reports. */
  version: string
  /** Status polling interval of submit/status/result tools, ms (tests shorten it). */
  pollIntervalMs?: number
  /** Retry policy of the generation queue (default: 3 retries from 1 s; tests shorten it). */
  retryPolicy?: RetryPolicy
  /**
   * Longest wait for the done marker of the stage folder whose files this stage consumes, ms
   * (default 5000; tests shorten it).
   */
  handoffTimeoutMs?: number
  /** The run this stage belongs to, for metadata/artifact-metadata.json (adapters: runInfoFromEnv). When absent the stage derives it from `env`. */
  run?: RunInfo
  /**
   * Where the stage's progress events go (issue 12 §6, issue 16 §2): the adapter's hub
   * (`ProgressHub`, `src/runner/progress.ts`) with its display subscribed. Absent: no progress.
   */
  progress?: ProgressSink
}
