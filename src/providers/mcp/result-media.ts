import { createHash } from 'node:crypto'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { KamuiError } from '../../core/errors.js'
import { MAX_MEDIA_BYTES } from '../../core/http.js'
import { safeMediaUrl } from '../../core/url.js'
import type { MediaRef } from './types.js'

/**
 * Reading MCP tool results (SPEC §3.1): the media they hold, the `request_id` of an async
 * submit, the status of a job and its error text.
 *
 * Result shapes are those of `CallToolResult` in SDK 1.32.2 (`@modelcontextprotocol/sdk/types.js`):
 * `text`, `image` (base64), `audio`, `resource` (`text` or `blob`), `resource_link`, plus
 * `structuredContent`. Hosted models (fal.ai style) answer with JSON inside text such as
 * `{"images":[{"url":"https://…/x.png","content_type":"image/png"}]}`.
 */

/** Normalised job status of an async submit / status / result triple. */
export type JobStatus = 'pending' | 'completed' | 'failed'

const MEDIA_EXTENSION = /\.(png|jpe?g|webp|gif|bmp|tiff?|avif|heic|heif|mp4|webm|mov|m4v|mkv|avi)$/i
const URL_IN_TEXT = /https?:\/\/[^\s"'<>`\\{}|^()[\]]+/gi
const DATA_URL =
  /data:([a-z]+\/[a-z0-9.+-]+)?((?:;[a-z0-9-]+=[^;,\s"']+)*);base64,([A-Za-z0-9+/]+={0,2})/gi
const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/
const BASE64_KEYS = new Set(['b64_json', 'base64', 'image_base64', 'b64', 'data'])
const MIME_KEYS = ['content_type', 'contentType', 'mimeType', 'mime_type', 'mimetype'] as const
const MAX_DEPTH = 24

/**
 * Finds every piece of media in a tool result.
 *
 * - `image` content → bytes (base64 decoded) with its `mimeType`
 * - `resource` with `blob` → bytes, `url` = the resource `uri`; with `text` → URLs in it (JSON
 *   walked, or plain text scanned)
 * - `resource_link` → `url` = its `uri` (any scheme but `file:`), with its `mimeType`
 * - `text` content → JSON walked for http(s) and `data:` URLs (and base64 fields such as
 *   `b64_json`), or plain text scanned for them
 * - `structuredContent` → walked like JSON
 *
 * Items whose announced MIME type is neither `image/*`, `video/*` nor an octet stream are
 * skipped, and so are status / queue URLs (`queue.fal.run`, paths ending in `/status` or
 * `/cancel`, `/requests/<id>` without a file extension).
 *
 * Every URL is model-controlled data: only http(s) URLs (re-serialised by `safeMediaUrl`:
 * single line, no control characters, quotes and shell characters percent-encoded) and
 * `preview://` identifiers are kept; any other reference is dropped (a resource's bytes are
 * kept without its `uri`), so no quote, `$(…)` or newline of a result reaches an output.
 *
 * @throws KamuiError GEN_002 when inline base64 media (an `image` item, a `resource` blob, a
 *   `data:` URL or a base64 JSON field) decodes to more than `maxBytes` (default
 *   {@link MAX_MEDIA_BYTES}, the download limit); the size is checked before decoding
 *
 * @returns bytes first, then URLs whose path ends in an image / video extension (or whose MIME
 *   type says media), then other URLs; duplicates (same URL, same bytes) removed
 */
export function extractMedia(
  result: CallToolResult,
  maxBytes: number = MAX_MEDIA_BYTES,
): MediaRef[] {
  const collector = new MediaCollector(maxBytes)
  for (const item of result.content ?? []) {
    switch (item.type) {
      case 'image':
        if (isMediaMime(item.mimeType))
          collector.addBytes('image', decodeBase64(item.data, maxBytes), item.mimeType)
        break
      case 'resource': {
        const resource = item.resource
        if ('blob' in resource && typeof resource.blob === 'string') {
          if (isMediaMime(resource.mimeType)) {
            collector.addBytes(
              'resource',
              decodeBase64(resource.blob, maxBytes),
              resource.mimeType,
              resource.uri,
            )
          }
        } else if ('text' in resource && typeof resource.text === 'string') {
          collector.scanTextOrJson('resource', resource.text)
        }
        break
      }
      case 'resource_link':
        if (isMediaMime(item.mimeType) && !/^file:/i.test(item.uri)) {
          if (/^data:/i.test(item.uri)) collector.scanText('resource_link', item.uri)
          else collector.addUrl('resource_link', item.uri, item.mimeType)
        }
        break
      case 'text':
        collector.scanTextOrJson('text', item.text)
        break
      default:
        break
    }
  }
  if (result.structuredContent !== undefined)
    collector.walk('structuredContent', result.structuredContent, 0)
  return collector.ordered()
}

/**
 * The `request_id` an async submit returned: from `structuredContent` (`request_id`,
 * `requestId`, searched at any depth, else a top-level `id`), from JSON inside text content
 * (same keys), or from text such as `request_id: abc-123` / `Request ID: abc`.
 */
export function extractRequestId(result: CallToolResult): string | undefined {
  const fromValue = (value: unknown): string | undefined =>
    findScalar(value, ['request_id', 'requestId', 'requestID']) ??
    (isRecord(value) ? scalarText(value['id']) : undefined)
  if (result.structuredContent !== undefined) {
    const found = fromValue(result.structuredContent)
    if (found) return found
  }
  for (const text of texts(result)) {
    const json = parseJsonLoose(text)
    if (json !== undefined) {
      const found = fromValue(json)
      if (found) return found
    }
    const match = /\brequest[ _-]?id\b["']?\s*[:=]\s*["']?([A-Za-z0-9][A-Za-z0-9._:-]*)/i.exec(text)
    if (match?.[1]) return match[1]
  }
  return undefined
}

/**
 * The status word of a status answer as the server wrote it, lower-cased (`in_progress`,
 * `processing`, `completed`, …), from `structuredContent.status` / `state`, JSON text
 * `status` / `state`, `status: X` in text, or the first known status word in text.
 */
export function extractStatusWord(result: CallToolResult): string | undefined {
  const fromValue = (value: unknown): string | undefined => {
    const word = findScalar(value, ['status', 'state'])
    return word !== undefined && normaliseStatus(word) !== undefined
      ? word.toLowerCase()
      : undefined
  }
  if (result.structuredContent !== undefined) {
    const found = fromValue(result.structuredContent)
    if (found) return found
  }
  const all = texts(result)
  for (const text of all) {
    const json = parseJsonLoose(text)
    if (json === undefined) continue
    const found = fromValue(json)
    if (found) return found
  }
  for (const text of all) {
    const named = /\bstatus\b["']?\s*[:=]?\s*["']?([A-Za-z]+(?:[ _-][A-Za-z]+)?)/i.exec(text)
    if (named?.[1]) {
      const two = named[1]
      if (normaliseStatus(two) !== undefined) return two.toLowerCase()
      const one = two.split(/[ _-]/)[0] ?? ''
      if (normaliseStatus(one) !== undefined) return one.toLowerCase()
    }
    const word = firstStatusWord(text)
    if (word) return word
  }
  return undefined
}

/**
 * The normalised status of a status answer:
 * queued / pending / in_queue / in_progress / processing / running / starting / submitted →
 * `pending`; completed / complete / succeeded / success / done / ok / finished → `completed`;
 * failed / failure / error / errored / cancelled / canceled → `failed`; `undefined` when no
 * status can be read.
 */
export function extractStatus(result: CallToolResult): JobStatus | undefined {
  const word = extractStatusWord(result)
  return word === undefined ? undefined : normaliseStatus(word)
}

/** Maps one status word (any case, spaces or hyphens for underscores) to a {@link JobStatus}. */
export function normaliseStatus(word: string): JobStatus | undefined {
  const key = word
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
  if (PENDING.has(key)) return 'pending'
  if (COMPLETED.has(key)) return 'completed'
  if (FAILED.has(key)) return 'failed'
  return undefined
}

const PENDING = new Set([
  'queued',
  'pending',
  'in_queue',
  'in_progress',
  'processing',
  'running',
  'starting',
  'submitted',
])
const COMPLETED = new Set([
  'completed',
  'complete',
  'succeeded',
  'success',
  'done',
  'ok',
  'finished',
])
const FAILED = new Set(['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled'])
const STATUS_WORDS =
  /\b(in[ _-]queue|in[ _-]progress|queued|pending|processing|running|starting|submitted|completed|complete|succeeded|success|done|finished|failed|failure|errored|error|cancelled|canceled)\b/i

/**
 * The error text of a failed job or error result: `error` (string, or its `message`),
 * `error_message`, `detail`, `message` or `reason` from `structuredContent` or JSON text, else
 * all text content; at most 500 characters. Not redacted: callers redact.
 */
export function extractErrorText(result: CallToolResult): string | undefined {
  const keys = ['error', 'error_message', 'errorMessage', 'detail', 'message', 'reason']
  const candidates: unknown[] = []
  if (result.structuredContent !== undefined) candidates.push(result.structuredContent)
  for (const text of texts(result)) {
    const json = parseJsonLoose(text)
    if (json !== undefined) candidates.push(json)
  }
  for (const value of candidates) {
    const found = findScalar(value, keys)
    if (found && found.trim() !== '') return shorten(found)
  }
  const joined = resultText(result).trim()
  return joined === '' ? undefined : shorten(joined)
}

/** All `text` content of a result, joined with newlines. */
export function resultText(result: CallToolResult): string {
  return texts(result).join('\n')
}

function texts(result: CallToolResult): string[] {
  const out: string[] = []
  for (const item of result.content ?? []) {
    if (item.type === 'text') out.push(item.text)
    else if (
      item.type === 'resource' &&
      'text' in item.resource &&
      typeof item.resource.text === 'string'
    ) {
      out.push(item.resource.text)
    }
  }
  return out
}

function firstStatusWord(text: string): string | undefined {
  const match = STATUS_WORDS.exec(text)
  return match?.[1]?.toLowerCase().replace(/[\s-]+/g, '_')
}

function shorten(text: string): string {
  const clean = text.trim()
  return clean.length > 500 ? `${clean.slice(0, 500)}…` : clean
}

/** JSON parse of a whole text, or of its outermost `{…}` / `[…]` part (code fences, prose). */
function parseJsonLoose(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  const tryParse = (s: string): unknown => {
    try {
      return JSON.parse(s) as unknown
    } catch {
      return undefined
    }
  }
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const whole = tryParse(trimmed)
    if (whole !== undefined) return whole
  }
  const start = trimmed.search(/[{[]/)
  if (start < 0) return undefined
  const close = trimmed[start] === '{' ? '}' : ']'
  const end = trimmed.lastIndexOf(close)
  if (end <= start) return undefined
  const inner = tryParse(trimmed.slice(start, end + 1))
  return typeof inner === 'object' && inner !== null ? inner : undefined
}

/** JSON parse of a whole (trimmed) text, `undefined` when it is not JSON. */
function parseWholeJson(text: string): unknown {
  const trimmed = text.trim()
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return undefined
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    return undefined
  }
}

/** Breadth-first search for the first of `keys` holding a string / number (objects: inside). */
function findScalar(value: unknown, keys: readonly string[]): string | undefined {
  const queue: { value: unknown; depth: number }[] = [{ value, depth: 0 }]
  while (queue.length > 0) {
    const next = queue.shift()
    if (!next || next.depth > MAX_DEPTH) continue
    const current = next.value
    if (Array.isArray(current)) {
      for (const item of current) queue.push({ value: item, depth: next.depth + 1 })
      continue
    }
    if (!isRecord(current)) continue
    for (const key of keys) {
      if (!(key in current)) continue
      const found = scalarText(current[key])
      if (found) return found
      if (isRecord(current[key])) {
        const inner = findScalar(current[key], ['message', 'detail', 'reason', ...keys])
        if (inner) return inner
      }
    }
    for (const child of Object.values(current)) {
      if (typeof child === 'object' && child !== null)
        queue.push({ value: child, depth: next.depth + 1 })
    }
  }
  return undefined
}

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim()
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Whether an announced MIME type may be media (absent, image, video or an octet stream). */
function isMediaMime(mimeType: string | undefined): boolean {
  if (mimeType === undefined || mimeType.trim() === '') return true
  const type = mimeType.toLowerCase()
  return (
    type.startsWith('image/') ||
    type.startsWith('video/') ||
    type.startsWith('application/octet-stream') ||
    type.startsWith('binary/octet-stream')
  )
}

/** Whether a URL is a job status / queue endpoint rather than media. */
export function isStatusUrl(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return true
  }
  if (parsed.hostname.toLowerCase() === 'queue.fal.run') return true
  const path = parsed.pathname.replace(/\/+$/, '')
  if (/\/(status|cancel)$/i.test(path)) return true
  if (/\/requests\/[^/]+$/i.test(path) && !/\.[a-z0-9]{2,5}$/i.test(path)) return true
  return false
}

/**
 * Decodes base64 after checking its decoded size (3 bytes per 4 characters) against
 * `maxBytes`, so an oversized inline image is refused before any memory is spent on it.
 *
 * @throws KamuiError GEN_002 when it would decode to more than `maxBytes`
 */
function decodeBase64(data: string, maxBytes: number): Uint8Array {
  const estimated = Math.floor((data.length * 3) / 4)
  if (estimated > maxBytes + 3) {
    throw new KamuiError(
      'GEN_002',
      `the model returned inline media of about ${estimated} bytes, above the limit of ` +
        `${maxBytes} bytes (the same limit as downloads).`,
      { retryable: false },
    )
  }
  const bytes = new Uint8Array(Buffer.from(data, 'base64'))
  if (bytes.length > maxBytes) {
    throw new KamuiError(
      'GEN_002',
      `the model returned ${bytes.length} bytes of inline media, above the limit of ${maxBytes} bytes.`,
      { retryable: false },
    )
  }
  return bytes
}

class MediaCollector {
  private readonly refs: { ref: MediaRef; rank: number; order: number }[] = []
  private readonly urls = new Set<string>()
  private readonly hashes = new Set<string>()

  constructor(private readonly maxBytes: number) {}

  addBytes(source: MediaRef['source'], bytes: Uint8Array, mimeType?: string, url?: string): void {
    if (bytes.length === 0) return
    const hash = createHash('sha1').update(bytes).digest('hex')
    if (this.hashes.has(hash)) return
    this.hashes.add(hash)
    url = url === undefined ? undefined : safeMediaUrl(url)
    if (url !== undefined) this.urls.add(url)
    const ref: MediaRef = { source, bytes }
    if (url !== undefined) ref.url = url
    if (mimeType !== undefined) ref.mimeType = mimeType
    this.push(ref, 0)
  }

  addUrl(source: MediaRef['source'], url: string, mimeType?: string): void {
    const clean = safeMediaUrl(url)
    if (clean === undefined || this.urls.has(clean)) return
    if (/^https?:/i.test(clean) && isStatusUrl(clean)) return
    this.urls.add(clean)
    const ref: MediaRef = { source, url: clean }
    if (mimeType !== undefined) ref.mimeType = mimeType
    const media = hasMediaExtension(clean) || /^(image|video)\//i.test(mimeType ?? '')
    this.push(ref, media ? 1 : 2)
  }

  /** Scans plain text for `data:` and http(s) URLs. */
  scanText(source: MediaRef['source'], text: string, mimeType?: string): void {
    for (const match of text.matchAll(DATA_URL)) {
      const type = match[1]
      if (type !== undefined && !isMediaMime(type)) continue
      this.addBytes(source, decodeBase64(match[3] ?? '', this.maxBytes), type)
    }
    const withoutData = text.replace(DATA_URL, ' ')
    for (const match of withoutData.matchAll(URL_IN_TEXT)) {
      const url = match[0].replace(/[.,;:!?*_~'"]+$/, '')
      this.addUrl(source, url, mimeType)
    }
  }

  /** JSON texts are walked (source `json`), anything else is scanned as plain text. */
  scanTextOrJson(source: 'text' | 'resource', text: string): void {
    const json = parseWholeJson(text)
    if (typeof json === 'object' && json !== null)
      this.walk(source === 'text' ? 'json' : source, json, 0)
    else this.scanText(source, text)
  }

  walk(source: MediaRef['source'], value: unknown, depth: number): void {
    if (depth > MAX_DEPTH) return
    if (typeof value === 'string') {
      this.scanText(source, value)
      return
    }
    if (Array.isArray(value)) {
      for (const item of value) this.walk(source, item, depth + 1)
      return
    }
    if (!isRecord(value)) return
    const mime = MIME_KEYS.map((key) => value[key]).find((v): v is string => typeof v === 'string')
    if (mime !== undefined && !isMediaMime(mime)) return
    for (const [key, child] of Object.entries(value)) {
      if (typeof child === 'string') {
        if (BASE64_KEYS.has(key) && child.length >= 64 && BASE64.test(child)) {
          this.addBytes(source, decodeBase64(child, this.maxBytes), mime)
        } else {
          this.scanText(source, child, mime)
        }
      } else {
        this.walk(source, child, depth + 1)
      }
    }
  }

  ordered(): MediaRef[] {
    return [...this.refs]
      .sort((a, b) => a.rank - b.rank || a.order - b.order)
      .map((entry) => entry.ref)
  }

  private push(ref: MediaRef, rank: number): void {
    this.refs.push({ ref, rank, order: this.refs.length })
  }
}

function hasMediaExtension(url: string): boolean {
  try {
    return MEDIA_EXTENSION.test(new URL(url).pathname)
  } catch {
    return MEDIA_EXTENSION.test(url)
  }
}
