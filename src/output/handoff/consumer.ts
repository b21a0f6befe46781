import { readFile, rm, stat } from 'node:fs/promises'
import { copyFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { hashFile } from '../telemetry/artifacts.js'
import type { DoneMarker } from '../../contracts/telemetry.js'
import { markerPath, parseMarkerContent } from './marker.js'
import { waitForPath } from './wait.js'

/** Options of {@link receiveHandoff}. */
export interface ReceiveHandoffOptions {
  /** The file the producer writes (e.g. in ComfyUI's output folder). */
  source: string
  /** Where to copy it (written atomically: temporary file, then rename). */
  target: string
  /** How long to wait for `<source>.done`, ms. */
  timeoutMs: number
  /** Polling interval backing up `fs.watch`, ms (default 250). */
  pollIntervalMs?: number
  /** Use `fs.watch` (default true); polling always runs. */
  watch?: boolean
  signal?: AbortSignal
  /** The forced-copy warning is logged here too. */
  logger?: Logger
}

/**
 * What {@link receiveHandoff} did: the telemetry `done_marker` fields (`result`, `waited_ms`,
 * `warning`, see `DoneMarkerSchema`) plus the copy's facts.
 */
export interface HandoffResult extends DoneMarker {
  source: string
  target: string
  /** Size of the copy, bytes. */
  bytes: number
  /** SHA-256 of the copy. */
  sha256: string
}

/**
 * The consumer side of the file-system handoff:
 *
 * 1. waits for `<source>.done` with a deadline (`fs.watch` plus polling);
 * 2. **detected**: copies `source` to `target` and, when the marker holds this project's
 *    content (size and SHA-256), checks the copy against it; returns
 *    `{result: 'detected', waited_ms, warning: null}`;
 * 3. **deadline passed** but `source` exists: copies it anyway and returns
 *    `{result: 'forced_copy', waited_ms, warning}`, the warning saying that no marker came,
 *    the file's size and age, and whether it changed during the copy (then it may be
 *    incomplete); the warning is also logged. This is the "forced copy recorded as a warning
 *    in the telemetry" of the design: put {@link toDoneMarker} of the result into the
 *    artifact's `done_marker`.
 *
 * @throws KamuiError IMG_003 when neither the marker nor the file appeared in time; GEN_001
 *   when the marker exists without the file; GEN_002 when the copy does not match the size or
 *   SHA-256 in the marker (the file changed after it was marked done; the copy is removed);
 *   the signal's reason; IMG_005 when the disk is full
 */
export async function receiveHandoff(options: ReceiveHandoffOptions): Promise<HandoffResult> {
  const logger = options.logger ?? silentLogger
  const { source, target } = options
  const marker = markerPath(source)
  const waited = await waitForPath(marker, {
    timeoutMs: options.timeoutMs,
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.watch !== undefined ? { watch: options.watch } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })

  if (waited.appeared) {
    const before = await stat(source).catch(() => undefined)
    if (!before) {
      throw new KamuiError(
        'GEN_001',
        `The done marker ${marker} exists but the file ${source} does not: the producer ` +
          'marked a file it did not write (or it was removed).',
      )
    }
    await copyFileAtomic(source, target)
    const copy = await hashFile(target)
    const expected = parseMarkerContent(await readFile(marker, 'utf8').catch(() => ''))
    if (expected && (expected.bytes !== copy.bytes || expected.sha256 !== copy.sha256)) {
      await rm(target, { force: true })
      throw new KamuiError(
        'GEN_002',
        `${source} does not match its done marker (marker: ${expected.bytes} bytes, sha256 ` +
          `${expected.sha256.slice(0, 12)}…; file: ${copy.bytes} bytes, sha256 ` +
          `${copy.sha256.slice(0, 12)}…): it changed after it was marked done.`,
      )
    }
    return {
      result: 'detected',
      waited_ms: waited.waitedMs,
      warning: null,
      source,
      target,
      ...copy,
    }
  }

  const before = await stat(source).catch(() => undefined)
  if (!before) {
    throw new KamuiError(
      'IMG_003',
      `Neither ${source} nor its done marker appeared within ${options.timeoutMs} ms.`,
    )
  }
  const copiedAt = Date.now()
  await copyFileAtomic(source, target)
  const after = await stat(source).catch(() => undefined)
  const copy = await hashFile(target)
  const changed = !after || after.size !== before.size || after.mtimeMs !== before.mtimeMs
  const warning =
    `The done marker ${marker} did not appear within ${options.timeoutMs} ms; ${source} was ` +
    `copied without it (forced copy: ${copy.bytes} bytes, last modified ` +
    `${Math.max(0, Math.round(copiedAt - before.mtimeMs))} ms before the copy` +
    (changed
      ? '; the file changed during the copy, so the copy may be incomplete).'
      : '; it did not change during the copy).')
  logger.warn(warning)
  return { result: 'forced_copy', waited_ms: waited.waitedMs, warning, source, target, ...copy }
}

/** The telemetry `done_marker` of a handoff (`DoneMarkerSchema`): result, waited_ms, warning. */
export function toDoneMarker(result: HandoffResult): DoneMarker {
  return { result: result.result, waited_ms: result.waited_ms, warning: result.warning }
}
