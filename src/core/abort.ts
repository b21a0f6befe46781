import { KamuiError } from './errors.js'

/**
 * Waits `ms` milliseconds, or rejects as soon as `signal` aborts (with the signal's reason).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * A signal that aborts when any of `signals` aborts, or after `timeoutMs` with a
 * {@link KamuiError} IMG_003 naming `what` as its reason. `AbortSignal.any` is in Node ≥ 20.3.
 */
export function deadlineSignal(
  timeoutMs: number,
  what: string,
  ...signals: (AbortSignal | undefined)[]
): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(
      new KamuiError('IMG_003', `${what} did not finish within ${formatSeconds(timeoutMs)}.`),
    )
  }, timeoutMs)
  timer.unref?.()
  const all = [controller.signal, ...signals.filter((s): s is AbortSignal => s !== undefined)]
  return { signal: AbortSignal.any(all), clear: () => clearTimeout(timer) }
}

/** The reason of an aborted signal as a {@link KamuiError} (IMG_003 on deadlines, RUN_001 otherwise). */
export function abortReason(signal: AbortSignal): KamuiError {
  const reason: unknown = signal.reason
  if (reason instanceof KamuiError) return reason
  return new KamuiError('RUN_001', 'The run was cancelled.', { cause: reason })
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
