import { mkdir, readdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../../core/logger.js'
import { ARTIFACT_METADATA_FILE, type StageDoneMarker } from '../../contracts/telemetry.js'
import { hashFile } from '../telemetry/artifacts.js'
import { markerPath, markerTempPath } from './marker.js'
import { exists, waitForPath } from './wait.js'

/**
 * The done-marker handoff between stages (SPEC §7): a stage that finished writing its folder
 * marks it complete with `metadata/artifact-metadata.json.done`, made as `.done.tmp` and then
 * renamed in one atomic step, so a consumer never sees a partial marker; a stage that consumes
 * another stage's files finds the producer's folder above its input, waits for that marker up
 * to a bounded time, and records `detected` or `forced` in its telemetry.
 *
 * The folder marker is a directory holding one empty directory named `sha256-<hex>` after the
 * telemetry file it marks (a file would be a stray entry among the stage's outputs, which are
 * listed and published as they are; git does not publish empty directories). A consumer that
 * finds the marker but a telemetry file with another hash knows the folder changed after it
 * was marked (a later stage failed while writing it) and records `forced`.
 */

/** Default time a consumer waits for its producer's marker, ms. */
export const DEFAULT_HANDOFF_TIMEOUT_MS = 5_000

/** The marker that completes a stage folder, relative to the folder. */
export const STAGE_DONE_MARKER = markerPath(ARTIFACT_METADATA_FILE)

/**
 * Marks `folder` complete: the done marker of its telemetry file, naming that file's SHA-256
 * (call it after the telemetry is written). A marker of an earlier stage is replaced.
 *
 * @returns the marker's absolute path
 * @throws the file-system error when the telemetry file cannot be read or the marker written
 */
export async function completeStageFolder(folder: string): Promise<string> {
  const telemetry = path.join(folder, ...ARTIFACT_METADATA_FILE.split('/'))
  const { sha256 } = await hashFile(telemetry)
  const marker = markerPath(telemetry)
  const temp = markerTempPath(telemetry)
  await rm(temp, { recursive: true, force: true })
  await mkdir(path.join(temp, `${HASH_PREFIX}${sha256}`), { recursive: true })
  await rm(marker, { recursive: true, force: true })
  await rename(temp, marker)
  return marker
}

const HASH_PREFIX = 'sha256-'

/** Whether the marker names the telemetry file's current hash. */
async function markerMatches(folder: string, marker: string): Promise<boolean> {
  const telemetry = path.join(folder, ...ARTIFACT_METADATA_FILE.split('/'))
  const { sha256 } = await hashFile(telemetry)
  const names = await readdir(marker).catch(() => [] as string[])
  return names.includes(`${HASH_PREFIX}${sha256}`)
}

/** The `done_marker` of a stage that consumes no other stage's folder. */
export function notApplicable(reason: string): StageDoneMarker {
  return { result: 'not_applicable', producer: null, waited_ms: null, reason }
}

/** Options of {@link checkProducer}. */
export interface CheckProducerOptions {
  /** The workspace: the search for the producer folder stops there. */
  workspace: string
  /** Longest wait for the marker, ms (default {@link DEFAULT_HANDOFF_TIMEOUT_MS}). */
  timeoutMs?: number
  /** Polling interval backing up `fs.watch`, ms. */
  pollIntervalMs?: number
  signal?: AbortSignal
  /** The forced case is logged here as a warning. */
  logger?: Logger
}

/**
 * The consumer side: finds the stage folder that holds `input` (the nearest folder at or above
 * the input's folder, inside the workspace, with `metadata/artifact-metadata.json`) and waits
 * for its done marker.
 *
 * - no such folder: `not_applicable` (the input was not made by a stage of this suite);
 * - the marker exists or appears in time: `detected`, with the time waited;
 * - it does not appear in time: `forced` (the files are used as they are), with the reason,
 *   which is also logged as a warning.
 *
 * @throws the signal's reason when it aborts
 */
export async function checkProducer(
  input: string,
  options: CheckProducerOptions,
): Promise<StageDoneMarker> {
  const producer = await producerFolder(input, options.workspace)
  if (!producer) {
    return notApplicable(
      `${shown(input, options.workspace)} was not made by a stage of this suite (no stage folder with ` +
        `${ARTIFACT_METADATA_FILE} above it).`,
    )
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDOFF_TIMEOUT_MS
  const marker = path.join(producer, ...STAGE_DONE_MARKER.split('/'))
  const waited = await waitForPath(marker, {
    timeoutMs,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const folder = shown(producer, options.workspace)
  const matches = waited.appeared && (await markerMatches(producer, marker))
  if (matches) {
    return { result: 'detected', producer: folder, waited_ms: waited.waitedMs, reason: null }
  }
  const reason = waited.appeared
    ? `${folder}/${ARTIFACT_METADATA_FILE} changed after its done marker was written (a later stage did not ` +
      'finish writing the folder); its files were used as they are.'
    : `The done marker ${folder}/${STAGE_DONE_MARKER} did not appear within ${timeoutMs} ms: the producer ` +
      'stage may not have finished (or an older version wrote the folder); its files were used as they are.'
  options.logger?.warn(reason)
  return { result: 'forced', producer: folder, waited_ms: waited.waitedMs, reason }
}

/** The nearest folder at or above `input`'s folder, inside `workspace`, holding a stage record. */
async function producerFolder(input: string, workspace: string): Promise<string | undefined> {
  const root = path.resolve(workspace)
  let folder = path.dirname(path.resolve(input))
  for (;;) {
    if (await exists(path.join(folder, ...ARTIFACT_METADATA_FILE.split('/')))) return folder
    const parent = path.dirname(folder)
    if (folder === root || parent === folder || !isInside(parent, root)) return undefined
    folder = parent
  }
}

function isInside(folder: string, root: string): boolean {
  const rel = path.relative(root, folder)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}

function shown(file: string, workspace: string): string {
  const rel = path.relative(workspace, file).split(path.sep).join('/')
  return rel === '' ? '.' : rel
}
