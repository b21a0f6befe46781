import type { Logger } from '../src/core/logger.js'
import { Redactor } from '../src/core/redactor.js'
import type { StageContext } from '../src/core/stage-context.js'
import { VERSION } from '../src/core/version.js'
import { previewServerLaunch } from '../src/providers/preview/launch.js'

/**
 * A logger for the benchmarks: drops info and debug lines, prints errors to stderr, and the
 * warnings for which `showWarning` answers true (default: every warning).
 */
export function benchLogger(showWarning: (message: string) => boolean = () => true): Logger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => {
      if (showWarning(message)) console.error(`  [warn] ${message}`)
    },
    error: (message) => console.error(`  [error] ${message}`),
  }
}

/**
 * The context a benchmark runs a stage in: `workspace`, `logger`, no secrets, only `PATH` of
 * the environment, the embedded preview server, this version; `extra` adds to it (e.g.
 * `pollIntervalMs`).
 */
export function benchContext(
  workspace: string,
  logger: Logger,
  extra: Partial<StageContext> = {},
): StageContext {
  return {
    workspace,
    logger,
    redactor: new Redactor(),
    env: { PATH: process.env['PATH'] },
    previewServer: previewServerLaunch(),
    version: VERSION,
    ...extra,
  }
}
