import { MemoryLogger } from '../../src/core/logger.js'
import { Redactor } from '../../src/core/redactor.js'
import type { StageContext } from '../../src/core/stage-context.js'
import { VERSION } from '../../src/core/version.js'
import { previewServerLaunch } from '../../src/providers/preview/launch.js'

/** A stage context for tests: a memory logger, a fresh redactor, a short polling interval. */
export function testContext(
  workspace: string,
  overrides: Partial<StageContext> = {},
): StageContext & { logger: MemoryLogger } {
  const logger = new MemoryLogger()
  const redactor = new Redactor()
  return {
    workspace,
    logger,
    redactor,
    env: { PATH: process.env['PATH'] },
    previewServer: previewServerLaunch(),
    version: VERSION,
    pollIntervalMs: 50,
    ...overrides,
  } as StageContext & { logger: MemoryLogger }
}

/** All log lines of a memory logger joined, for "never appears in a log" checks. */
export function logText(logger: MemoryLogger): string {
  return logger.lines.map((l) => `${l.level}: ${l.message}`).join('\n')
}
