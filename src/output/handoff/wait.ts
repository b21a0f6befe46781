import { watch, type FSWatcher } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { abortReason } from '../../core/abort.js'

/** Default interval of the polling that backs up `fs.watch`, ms. */
export const DEFAULT_POLL_INTERVAL_MS = 250

/** Options of {@link waitForPath}. */
export interface WaitForPathOptions {
  /** Deadline, ms. */
  timeoutMs: number
  /** Polling interval, ms (default {@link DEFAULT_POLL_INTERVAL_MS}). */
  pollIntervalMs?: number
  /**
   * Watch the folder with `fs.watch` (default true). Polling runs either way, because
   * `fs.watch` misses events on network shares (SMB, NFS) and some container mounts, and
   * cannot watch a folder that does not exist yet.
   */
  watch?: boolean
  signal?: AbortSignal
}

/** What {@link waitForPath} saw. */
export interface WaitResult {
  /** Whether the path exists at the end (false: the deadline passed first). */
  appeared: boolean
  /** Time waited, ms. */
  waitedMs: number
  /** Whether `fs.watch` was active (false: polling alone). */
  watched: boolean
}

/**
 * Waits until `target` exists, or until `timeoutMs` passes: `fs.watch` on its folder (events
 * for its base name, or unnamed events, trigger a check) plus polling every `pollIntervalMs`.
 *
 * @throws the signal's reason (RUN_001 / IMG_003 as a KamuiError) when it aborts
 */
export async function waitForPath(
  target: string,
  options: WaitForPathOptions,
): Promise<WaitResult> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  const { signal } = options
  if (signal?.aborted) throw abortReason(signal)
  if (await exists(target)) return { appeared: true, waitedMs: elapsed(), watched: false }

  return new Promise<WaitResult>((resolve, reject) => {
    let settled = false
    let watcher: FSWatcher | undefined
    const base = path.basename(target)
    const cleanup = (): void => {
      settled = true
      clearInterval(poll)
      clearTimeout(timer)
      watcher?.close()
      signal?.removeEventListener('abort', onAbort)
    }
    const finish = (appeared: boolean): void => {
      if (settled) return
      const watched = watcher !== undefined
      cleanup()
      resolve({ appeared, waitedMs: elapsed(), watched })
    }
    const check = (): void => {
      if (settled) return
      void exists(target).then((found) => {
        if (found) finish(true)
      })
    }
    const onAbort = (): void => {
      if (settled) return
      cleanup()
      reject(abortReason(signal as AbortSignal))
    }
    if (options.watch !== false) {
      try {
        watcher = watch(path.dirname(target), { persistent: false }, (_event, name) => {
          if (name === null || name === base) check()
        })
        watcher.on('error', () => {
          watcher?.close()
          watcher = undefined
        })
      } catch {
        watcher = undefined
      }
    }
    const poll = setInterval(check, options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS)
    const timer = setTimeout(() => {
      // One last look, so a marker that arrived with the deadline is not missed.
      void exists(target).then((found) => finish(found))
    }, options.timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })
    check()
  })
}

/** Whether `file` exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}
