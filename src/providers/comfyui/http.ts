import pRetry from 'p-retry'
import { abortReason } from '../../core/abort.js'
import { KamuiError, isKamuiError } from '../../core/errors.js'
import { readCapped as readCappedBody, tooLarge, transientStatusError } from '../../core/http.js'
import { networkCodeOf } from '../../core/network-error.js'
import { parseRetryAfter } from '../../core/retry-after.js'
import { parseErrorBody } from './errors.js'

/**
 * HTTP plumbing of the ComfyUI client: one request with a deadline, the mapping of transport
 * failures and HTTP statuses to {@link KamuiError} codes, and retries of idempotent reads.
 */

/** Default deadline of one request, ms. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** Attempts of an idempotent read (GET) on transient failures. */
export const READ_ATTEMPTS = 3

/** Options of {@link timedFetch}. */
export interface TimedFetchOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | FormData
  /** The caller's signal: when it aborts, its reason is thrown (IMG_003 on deadlines). */
  signal?: AbortSignal
  timeoutMs?: number
  fetch?: typeof fetch
}

/**
 * `fetch` with a per-request deadline. Transport failures become IMG_008 (retryable) naming
 * the server and the network code; the caller's abort rethrows the signal's reason.
 *
 * @param what the request as shown in messages, e.g. `GET /queue of http://127.0.0.1:8188`
 * @throws KamuiError IMG_008 on network failures and on the per-request deadline; the caller
 *   signal's reason (see `abortReason`) when it aborted
 */
export async function timedFetch(
  url: string,
  what: string,
  options: TimedFetchOptions = {},
): Promise<Response> {
  const { signal } = options
  if (signal?.aborted) throw abortReason(signal)
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  const timeout = AbortSignal.timeout(timeoutMs)
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
  const doFetch = options.fetch ?? fetch
  try {
    return await doFetch(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      signal: combined,
    })
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal)
    if (timeout.aborted) {
      throw new KamuiError('IMG_008', `${what} did not answer within ${timeoutMs / 1000} s.`, {
        cause: error,
        retryable: true,
      })
    }
    const code = networkCodeOf(error) ?? (error instanceof Error ? error.message : String(error))
    throw new KamuiError('IMG_008', `${what} failed: ComfyUI is not reachable (${code}).`, {
      cause: error,
      retryable: true,
    })
  }
}

/**
 * The error for a non-2xx answer:
 * - 401 / 403 → IMG_007 (a reverse proxy wants credentials, or ComfyUI's origin check refused
 *   the request: its 403 has an empty body)
 * - 429 → IMG_006 with `Retry-After`
 * - 408 and 5xx → IMG_008 (retryable; aiohttp's default 500 is text)
 * - any other status → COMFY_001 with the parsed body (string or object `error`)
 */
export async function statusError(response: Response, what: string): Promise<KamuiError> {
  const text = await response.text().catch(() => '')
  const status = response.status
  const body = parseErrorBody(text)
  if (status === 401 || status === 403) {
    return new KamuiError(
      'IMG_007',
      `${what} was refused (HTTP ${status}${text.trim() ? `: ${body.message}` : ''}). A reverse proxy in front of ComfyUI may need credentials (headers), or ComfyUI's origin check refused the request (start it with --enable-cors-header).`,
      { retryable: false },
    )
  }
  const transient = transientStatusError(
    status,
    what,
    parseRetryAfter(response.headers.get('retry-after')),
    body.message,
  )
  if (transient) return transient
  return new KamuiError('COMFY_001', `${what} failed with HTTP ${status}: ${body.message}`, {
    retryable: false,
  })
}

/**
 * Runs an idempotent read, retrying transient failures (retryable {@link KamuiError}s) with
 * p-retry: {@link READ_ATTEMPTS} attempts, exponential backoff from 200 ms. The caller's abort
 * stops the retries at once.
 */
export async function retryRead<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return pRetry(fn, {
    retries: READ_ATTEMPTS - 1,
    minTimeout: 200,
    maxTimeout: 2000,
    factor: 2,
    randomize: true,
    ...(signal ? { signal } : {}),
    shouldRetry: ({ error }) => isKamuiError(error) && error.retryable && !signal?.aborted,
  })
}

/**
 * Reads a response body into memory, refusing more than `maxBytes` (the shared
 * `readCapped` of src/core/http.ts).
 *
 * @throws KamuiError GEN_002 when the declared length or the body exceeds `maxBytes`
 */
export async function readCapped(
  response: Response,
  maxBytes: number,
  what: string,
): Promise<Buffer> {
  return readCappedBody(response.body, maxBytes, `${what}: the file`, {
    declaredLength: Number(response.headers.get('content-length')),
    tooLarge: (length) =>
      tooLarge(`${what}: the file`, maxBytes, length === undefined ? {} : { length }),
  })
}
