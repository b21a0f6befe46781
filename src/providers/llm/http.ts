import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import { KamuiError } from '../../core/errors.js'
import { readCapped } from '../../core/http.js'

/**
 * Minimal HTTP over `node:http` for the local-LLM clients.
 *
 * Why not the global `fetch`: Node's fetch (undici) has hidden 300 s `headersTimeout` and
 * `bodyTimeout` defaults that cannot be changed without the `undici` package, and a
 * non-streamed Ollama answer (or an LM Studio model loading just in time) can send its headers
 * later than that. Here the only deadlines are the caller's signal, so the first-token deadline
 * of the clients is the real one.
 */

/** A response whose body has not been read yet. */
export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: IncomingMessage
}

/** Options of {@link httpRequest}. */
export interface HttpRequestOptions {
  method?: 'GET' | 'POST'
  /** Sent as JSON (`content-type: application/json`). */
  json?: unknown
  /** Aborts the request and the response body with the signal's reason. */
  signal?: AbortSignal
}

/**
 * Sends one request and resolves once the status line and headers have arrived.
 *
 * @throws the signal's reason when it aborts; otherwise the socket error (ECONNREFUSED, …)
 *   as a plain Error with `code`, to be mapped by the caller ({@link describeNetworkError})
 */
export function httpRequest(url: URL, options: HttpRequestOptions = {}): Promise<HttpResponse> {
  const { signal } = options
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json))
    const lib = url.protocol === 'https:' ? https : http
    const req = lib.request(url, {
      method: options.method ?? (body ? 'POST' : 'GET'),
      headers: {
        accept: 'application/json, text/event-stream, application/x-ndjson',
        ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
      },
    })
    const onAbort = (): void => {
      req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    req.once('response', (res) => {
      res.once('close', () => signal?.removeEventListener('abort', onAbort))
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res })
    })
    req.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(signal?.aborted ? signal.reason : error)
    })
    req.end(body)
  })
}

/** Largest response body read into memory (embeddings of many inputs are the largest). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

/**
 * Reads a whole response body as UTF-8 text.
 *
 * @throws KamuiError LLM_002 when it exceeds `limit` bytes; the stream error (the signal's
 *   reason when the request was aborted)
 */
export async function readText(res: HttpResponse, limit = MAX_BODY_BYTES): Promise<string> {
  const bytes = await readCapped(res.body, limit, 'the answer', {
    cancel: () => res.body.destroy(),
    tooLarge: () =>
      new KamuiError('LLM_002', `The answer is larger than ${limit} bytes; it was not read.`),
  })
  return bytes.toString('utf8')
}

/**
 * A short human description of a socket-level failure (`connection refused`, `timed out`,
 * `host not found`, or the error's message).
 */
export function describeNetworkError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused'
    case 'ECONNRESET':
      return 'connection reset by the server'
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found'
    case 'ETIMEDOUT':
      return 'connection timed out'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable'
    default:
      return error instanceof Error ? error.message : String(error)
  }
}

/** The `error` of an error body in both styles LM Studio and Ollama use. */
export interface ServerError {
  /** The message (`error` as a string, or `error.message`). */
  message: string
  /** `error.code` of the object style (`model_not_found`), or null. */
  code: string | null
  /** `error.type` of the object style (`invalid_request_error`), or null. */
  type: string | null
}

/**
 * Reads the error of a JSON body in either style: `{"error": "text"}` (LM Studio "No models
 * loaded", every Ollama native error) or `{"error": {"message", "type", "param", "code"}}`
 * (OpenAI style: LM Studio unknown model, Ollama `/v1`). Returns null when `body` holds no
 * `error` field (or is not JSON).
 */
export function parseServerError(body: string | unknown): ServerError | null {
  let value: unknown = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      return null
    }
  }
  if (typeof value !== 'object' || value === null || !('error' in value)) return null
  const error = (value as { error: unknown }).error
  if (typeof error === 'string') return { message: error, code: null, type: null }
  if (typeof error === 'object' && error !== null) {
    const record = error as Record<string, unknown>
    const message =
      typeof record['message'] === 'string' ? record['message'] : JSON.stringify(error)
    return {
      message,
      code: typeof record['code'] === 'string' ? record['code'] : null,
      type: typeof record['type'] === 'string' ? record['type'] : null,
    }
  }
  return null
}

/** `text` cut to `max` characters with an ellipsis, whitespace collapsed. */
export function shorten(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? `${flat.slice(0, max)}…` : flat
}

/**
 * Normalises a server base URL given by input: trims, drops a trailing `/v1` (or `/api`) and
 * slashes, so `http://127.0.0.1:1234/v1/` and `http://127.0.0.1:1234` are the same server.
 *
 * @throws KamuiError CFG_001 when it is not an http(s) URL (naming `inputName`)
 */
export function normaliseBaseUrl(value: string, inputName: string): string {
  const text = value.trim()
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new KamuiError('CFG_001', `${inputName} must be an http(s) URL, got "${value}".`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KamuiError('CFG_001', `${inputName} must be an http(s) URL, got "${value}".`)
  }
  url.search = ''
  url.hash = ''
  const pathname = url.pathname.replace(/\/+$/, '').replace(/\/(v1|api)$/, '')
  return `${url.origin}${pathname}`
}
