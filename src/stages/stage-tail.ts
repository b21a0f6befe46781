import type { Logger } from '../core/logger.js'
import type { StageContext } from '../core/stage-context.js'
import type { RunInfo } from '../core/run-info.js'
import { runInfoFromEnv } from '../output/telemetry/run-info.js'
import type { StageDoneMarker } from '../contracts/telemetry.js'
import {
  checkProducer,
  completeStageFolder,
  notApplicable,
} from '../output/handoff/stage-folder.js'

/**
 * The head and tail every stage run shares: {@link startStage} (the run record and the
 * done-marker check of the folder the stage consumes) and {@link finishStage} (reports and
 * outputs, telemetry with the done-marker result, warnings, and the stage's own done marker).
 */

/** What a stage consumes: a file made by another stage, or nothing (with the reason). */
export type StageInput = { file: string } | { none: string }

/** What {@link startStage} returns. */
export interface StageStart {
  run: RunInfo
  /** The done-marker result of the stage's input, for its telemetry. */
  doneMarker: StageDoneMarker
}

/**
 * Starts a stage run: the run record (the context's, or one derived from its env) and, for a
 * stage that consumes another stage's file, the check of that stage folder's done marker
 * (waiting up to `context.handoffTimeoutMs`; `forced` with a warning when it never comes).
 *
 * @throws the context signal's reason when cancelled while waiting
 */
export async function startStage(context: StageContext, input: StageInput): Promise<StageStart> {
  const run = context.run ?? runInfoFromEnv(context.env, new Date())
  if ('none' in input) return { run, doneMarker: notApplicable(input.none) }
  const doneMarker = await checkProducer(input.file, {
    workspace: context.workspace,
    logger: context.logger,
    ...(context.handoffTimeoutMs !== undefined ? { timeoutMs: context.handoffTimeoutMs } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  })
  return { run, doneMarker }
}

/** What {@link finishStage} does at the end of a stage run. */
export interface StageTail<Files> {
  /** Absolute folder of the stage. */
  folder: string
  logger: Logger
  /** From {@link startStage}. */
  doneMarker: StageDoneMarker
  /** Writes the reports and other output files; its value goes to `writeTelemetry`. */
  writeFiles: () => Promise<Files>
  /** Writes `metadata/artifact-metadata.json` with the done-marker result. */
  writeTelemetry: (files: Files, doneMarker: StageDoneMarker) => Promise<unknown>
  /** Logged as `CODE: message` after the files are written. */
  warnings?: readonly { code: string; message: string }[]
  /**
   * Whether the folder is complete: false when the stage failed or was cancelled, so a
   * consumer does not take it as done (it will find no marker).
   */
  complete: boolean
}

/**
 * Ends a stage run: writes its files, then its telemetry, logs its warnings, and (when
 * complete) marks the folder done by atomic rename, in that order, so that a consumer that sees
 * the marker finds every file and the telemetry in place.
 *
 * @returns what `writeFiles` returned
 */
export async function finishStage<Files>(tail: StageTail<Files>): Promise<Files> {
  const files = await tail.writeFiles()
  await tail.writeTelemetry(files, tail.doneMarker)
  for (const warning of tail.warnings ?? []) tail.logger.warn(`${warning.code}: ${warning.message}`)
  if (tail.complete) await completeStageFolder(tail.folder)
  return files
}
