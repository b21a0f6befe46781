import { abortReason } from '../../core/abort.js'

/**
 * Waits for `promise`, but rejects as soon as `signal` aborts, with the signal's reason as a
 * KamuiError (IMG_003 from `deadlineSignal`, RUN_001 otherwise; see `abortReason`).
 *
 * The underlying work is not cancelled (it may be shared, e.g. a pooled connection); a late
 * rejection of `promise` is swallowed.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(abortReason(signal))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => undefined)
      reject(abortReason(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * A child signal that follows `parent` until `release()` is called; hand it to APIs that add
 * abort listeners and never remove them (the SDK's `request()`), so a long-lived parent does
 * not collect one listener per call.
 */
export function childSignal(parent: AbortSignal | undefined): {
  signal: AbortSignal
  release: () => void
} {
  const controller = new AbortController()
  if (!parent) return { signal: controller.signal, release: () => undefined }
  if (parent.aborted) {
    controller.abort(parent.reason)
    return { signal: controller.signal, release: () => undefined }
  }
  const onAbort = (): void => controller.abort(parent.reason)
  parent.addEventListener('abort', onAbort, { once: true })
  return { signal: controller.signal, release: () => parent.removeEventListener('abort', onAbort) }
}
