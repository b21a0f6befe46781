import pRetry from 'p-retry'
import { abortReason, sleep } from '../core/abort.js'
import { KamuiError, isKamuiError } from '../core/errors.js'
import {
  MAX_MEDIA_BYTES,
  defaultNetworkPolicy,
  fetchChecked,
  readCapped,
  tooLarge as tooLargeError,
  transientStatusError,
  type HostLookup,
} from '../core/http.js'
import { networkCodeOf } from '../core/network-error.js'
import { parseRetryAfter } from '../core/retry-after.js'

/**
 * Downloading media a model returned as a URL. Hosted models' URLs expire after about an hour
 * (SPEC §3.1), so they are fetched at once; downloads are limited in size and type (SPEC §8).
 */

/** Default size limit: 50 MiB, in bytes (the same limit applies to inline base64 media). */
export const DEFAULT_MAX_DOWNLOAD_BYTES = MAX_MEDIA_BYTES
/** Attempts for transient failures (HTTP 429, 408, 5xx, network errors). */
export const DOWNLOAD_ATTEMPTS = 3
/** The longest server-requested wait honoured between attempts, in ms. */
export const MAX_DOWNLOAD_RETRY_WAIT_MS = 30_000

/** Options of {@link downloadMedia}. */
export interface DownloadOptions {
  /** Cancels the download (and the waits between attempts); its reason is rethrown. */
  signal?: AbortSignal
  /** Size limit in bytes (default {@link DEFAULT_MAX_DOWNLOAD_BYTES}). */
  maxBytes?: number
  /** The kind of media expected; the other kind's content types are refused. */
  accept?: 'image' | 'video'
  /** `fetch` to use (default: the global `fetch`). */
  fetch?: typeof fetch
  /** First backoff delay in ms (default 500; exponential, randomised). */
  minRetryDelayMs?: number
  /**
   * Whether loopback, link-local and private addresses may be downloaded from (self-hosted
   * setups). Default: the process policy of `setDefaultNetworkPolicy` (refused unless the
   * adapter allowed it from `KAMUI_ALLOW_PRIVATE_NETWORK`).
   */
  allowPrivateNetwork?: boolean
  /** Host name resolution used by the target check (tests). */
  lookup?: HostLookup
}

/** A downloaded file. */
export interface DownloadResult {
  bytes: Uint8Array
  /** The `Content-Type` the server sent (or the `data:` URL's type), if any. */
  contentType?: string
  /** The URL the bytes came from after redirects. */
  url: string
  /** Time from the first request to the last byte, all attempts included, in ms. */
  ms: number
}

/**
 * Downloads `url` into memory.
 *
 * `data:` URLs are decoded locally; other schemes than http(s) are refused. The target host
 * (and every redirect's target, followed by hand) must not be a loopback, link-local or
 * private address unless `allowPrivateNetwork` (src/core/http.ts). A `Content-Length`
 * above `maxBytes` is refused before reading, and reading stops as soon as the body grows past
 * it. Transient failures are retried with p-retry (at most {@link DOWNLOAD_ATTEMPTS} attempts,
 * exponential backoff with randomisation; a 429's `Retry-After` is honoured up to 30 s).
 *
 * @throws KamuiError NET_001 for a private target (or redirect) that is not allowed; GEN_002
 *   for a refused scheme, a body over `maxBytes`, a clearly wrong
 *   content type (`text/html`, `application/json`, other text, or the other media kind), an empty
 *   body, HTTP 404 / 410 ("the media URL has expired or does not exist"), 401 / 403 and other
 *   4xx (not retried); IMG_006 on HTTP 429 (with `retryAfterMs`) and IMG_008 on 408 / 5xx /
 *   network failures, once the attempts are used up; the signal's reason when aborted
 */
export async function downloadMedia(
  url: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const started = performance.now()
  const { signal } = options
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES
  const shown = describeUrl(url)
  if (signal?.aborted) throw abortReason(signal)

  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new KamuiError('GEN_002', 'the model returned a media reference that is not a valid URL.')
  }
  if (parsed.protocol === 'data:') {
    if (Math.floor(((url.length - url.indexOf(',') - 1) * 3) / 4) > maxBytes + 3)
      throw tooLarge(shown, maxBytes)
    const decoded = decodeDataUrl(url)
    checkContentType(decoded.contentType, options.accept, shown)
    if (decoded.bytes.length > maxBytes) throw tooLarge(shown, maxBytes)
    return { ...decoded, url, ms: Math.round(performance.now() - started) }
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new KamuiError(
      'GEN_002',
      `refusing to download media from a ${parsed.protocol} URL (only http and https).`,
    )
  }

  const doFetch = options.fetch ?? fetch
  try {
    const result = await pRetry(() => attempt(url, shown, doFetch, maxBytes, options), {
      retries: DOWNLOAD_ATTEMPTS - 1,
      factor: 2,
      minTimeout: options.minRetryDelayMs ?? 500,
      maxTimeout: 8000,
      randomize: true,
      ...(signal ? { signal } : {}),
      shouldRetry: ({ error }) => !signal?.aborted && isKamuiError(error) && error.retryable,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (retriesLeft > 0 && isKamuiError(error, 'IMG_006') && error.retryAfterMs !== undefined) {
          await sleep(Math.min(error.retryAfterMs, MAX_DOWNLOAD_RETRY_WAIT_MS), signal)
        }
      },
    })
    return { ...result, ms: Math.round(performance.now() - started) }
  } catch (error) {
    if (signal?.aborted) throw abortReason(signal)
    throw error
  }
}

async function attempt(
  url: string,
  shown: string,
  doFetch: typeof fetch,
  maxBytes: number,
  options: DownloadOptions,
): Promise<Omit<DownloadResult, 'ms'>> {
  let response: Response
  let finalUrl: string
  try {
    ;({ response, url: finalUrl } = await fetchChecked(url, {
      fetch: doFetch,
      policy: { allowPrivate: options.allowPrivateNetwork ?? defaultNetworkPolicy().allowPrivate },
      ...(options.lookup ? { lookup: options.lookup } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    }))
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal)
    if (error instanceof KamuiError) throw error
    const code = networkCodeOf(error) ?? 'network error'
    throw new KamuiError('IMG_008', `downloading ${shown} failed (${code}).`, {
      cause: error,
      retryable: true,
    })
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined)
    throw statusError(response, shown)
  }
  const contentType = response.headers.get('content-type') ?? undefined
  try {
    checkContentType(contentType, options.accept, shown)
  } catch (error) {
    await response.body?.cancel().catch(() => undefined)
    throw error
  }
  const bytes = new Uint8Array(
    await readCapped(response.body, maxBytes, `the media at ${shown}`, {
      declaredLength: Number(response.headers.get('content-length') ?? NaN),
      ...(options.signal ? { signal: options.signal } : {}),
      onStreamError: (error) =>
        new KamuiError(
          'IMG_008',
          `downloading ${shown} was interrupted (${networkCodeOf(error) ?? 'stream error'}).`,
          { cause: error, retryable: true },
        ),
    }),
  )
  if (bytes.length === 0)
    throw new KamuiError('GEN_002', `the media at ${shown} is empty (0 bytes).`)
  const out: Omit<DownloadResult, 'ms'> = { bytes, url: response.url || finalUrl }
  if (contentType !== undefined) out.contentType = contentType
  return out
}

function statusError(response: Response, shown: string): KamuiError {
  const status = response.status
  if (status === 404 || status === 410) {
    return new KamuiError(
      'GEN_002',
      `the media URL has expired or does not exist (HTTP ${status}): ${shown}.`,
      {
        retryable: false,
      },
    )
  }
  const transient = transientStatusError(
    status,
    `downloading ${shown}`,
    parseRetryAfter(response.headers.get('retry-after')),
  )
  if (transient) return transient
  if (status === 401 || status === 403) {
    return new KamuiError(
      'GEN_002',
      `the media URL has expired or access was denied (HTTP ${status}): ${shown}.`,
      {
        retryable: false,
      },
    )
  }
  return new KamuiError('GEN_002', `downloading ${shown} failed with HTTP ${status}.`, {
    retryable: false,
  })
}

/** Refuses content types that cannot be the expected media. Absent / octet-stream types pass. */
function checkContentType(
  contentType: string | undefined,
  accept: 'image' | 'video' | undefined,
  shown: string,
): void {
  if (contentType === undefined) return
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  const wrongKind =
    (accept === 'image' && type.startsWith('video/')) ||
    (accept === 'video' && type.startsWith('image/'))
  const notMedia =
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/javascript' ||
    type === 'application/pdf'
  if (wrongKind || notMedia) {
    throw new KamuiError(
      'GEN_002',
      `the URL ${shown} serves ${type || 'an unknown type'}, not ${accept === 'video' ? 'a video' : accept === 'image' ? 'an image' : 'media'}.`,
      { retryable: false },
    )
  }
}

function decodeDataUrl(url: string): { bytes: Uint8Array; contentType?: string } {
  const comma = url.indexOf(',')
  if (comma < 0) throw new KamuiError('GEN_002', 'the model returned a malformed data: URL.')
  const header = url.slice('data:'.length, comma)
  const payload = url.slice(comma + 1)
  const parts = header.split(';')
  const type = parts[0]?.trim() || undefined
  const base64 = parts.slice(1).some((p) => p.trim().toLowerCase() === 'base64')
  let bytes: Uint8Array
  try {
    bytes = base64
      ? new Uint8Array(Buffer.from(payload, 'base64'))
      : new Uint8Array(Buffer.from(decodeURIComponent(payload), 'utf8'))
  } catch {
    throw new KamuiError('GEN_002', 'the model returned a malformed data: URL.')
  }
  if (bytes.length === 0) throw new KamuiError('GEN_002', 'the model returned an empty data: URL.')
  return type === undefined ? { bytes } : { bytes, contentType: type }
}

function tooLarge(shown: string, maxBytes: number, length?: number): KamuiError {
  return tooLargeError(`the media at ${shown}`, maxBytes, length === undefined ? {} : { length })
}

/** Origin and path only: signed URLs carry tokens in their query string. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.protocol === 'data:') return 'a data: URL'
    const text = `${parsed.origin}${parsed.pathname}`
    return text.length > 120 ? `${text.slice(0, 120)}…` : text
  } catch {
    return 'an invalid URL'
  }
}
