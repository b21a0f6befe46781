/**
 * `Retry-After` handling for HTTP responses (RFC 9110 §10.2.3: either delay-seconds or an
 * HTTP-date).
 */

/** The longest wait a `Retry-After` value may ask for: 10 minutes, in milliseconds. */
export const MAX_RETRY_AFTER_MS = 600_000

/**
 * Parses a `Retry-After` header value into milliseconds from `now`.
 *
 * @param value the header value: delay-seconds (`"30"`, `"1.5"`) or an HTTP-date
 *   (`"Wed, 21 Oct 2015 07:28:00 GMT"`)
 * @param now the current time in ms since the epoch (injectable for tests)
 * @returns the wait in ms, clamped to 0 … {@link MAX_RETRY_AFTER_MS}; `undefined` when the value
 *   is missing or unreadable
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined
  const text = value.trim()
  if (text === '') return undefined
  if (/^\d+(\.\d+)?$/.test(text)) return clamp(Math.round(Number(text) * 1000))
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return clamp(date - now)
}

function clamp(ms: number): number {
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS)
}

/** A `fetch` that remembers the `Retry-After` of the last HTTP 429 answer it saw. */
export interface RecordingFetch {
  /** Same contract as the global `fetch`; hand it to the SDK's HTTP transports. */
  fetch: typeof fetch
  /**
   * The wait in ms requested by the most recent 429 response (`Retry-After`), or `undefined`
   * when no 429 has been seen or it carried no readable `Retry-After`.
   */
  lastRetryAfterMs(): number | undefined
  /** The HTTP status of the most recent response (for error messages), if any. */
  lastStatus(): number | undefined
}

/**
 * Wraps `base` (default: the global `fetch`) so that every response is inspected: a 429's
 * `Retry-After` is recorded for error classification (IMG_006 `retryAfterMs`). Requests and
 * headers pass through unchanged.
 */
export function createRecordingFetch(base: typeof fetch = fetch): RecordingFetch {
  let retryAfterMs: number | undefined
  let status: number | undefined
  const wrapped: typeof fetch = async (input, init) => {
    const response = await base(input, init)
    status = response.status
    if (response.status === 429) retryAfterMs = parseRetryAfter(response.headers.get('retry-after'))
    return response
  }
  return { fetch: wrapped, lastRetryAfterMs: () => retryAfterMs, lastStatus: () => status }
}
