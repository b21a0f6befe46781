import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'
import { abortReason } from './abort.js'
import { KamuiError, type ErrorCode } from './errors.js'
import type { RawInputs } from './input-spec.js'
import { parseBooleanInput } from './parse-input.js'

/**
 * The one set of HTTP helpers of the suite (issue 10 / issue 14 §3–4): capped body reads, the
 * "too large" and transient-status errors shared by downloads, the ComfyUI client and the
 * local-LLM clients, and the checks of download targets (no loopback, link-local or private
 * addresses unless allowed; redirects re-checked).
 */

/** Size limit of one media file, downloaded or inline (base64): 50 MiB, in bytes. */
export const MAX_MEDIA_BYTES = 50 * 1024 * 1024

/** Redirects followed by {@link fetchChecked} before giving up. */
export const MAX_REDIRECTS = 5

/**
 * A "too large" error: `what` is larger than `maxBytes`.
 *
 * @param code GEN_002 for media (default), LLM_002 for LLM answers, …
 * @param length the declared length, when the server sent one
 */
export function tooLarge(
  what: string,
  maxBytes: number,
  options: { code?: ErrorCode; length?: number } = {},
): KamuiError {
  const size = options.length === undefined ? 'more than' : `${options.length} bytes, above`
  return new KamuiError(
    options.code ?? 'GEN_002',
    `${what} is ${size} the limit of ${maxBytes} bytes (${formatMiB(maxBytes)}).`,
    { retryable: false },
  )
}

/** Options of {@link readCapped}. */
export interface ReadCappedOptions {
  /** The `Content-Length` the server declared (refused before reading when above the cap). */
  declaredLength?: number | null
  signal?: AbortSignal
  /** Builds the error for a body over the cap (default: {@link tooLarge} with GEN_002). */
  tooLarge?: (length?: number) => KamuiError
  /** Maps a stream error (default: rethrown as it is). The signal's reason wins when aborted. */
  onStreamError?: (error: unknown) => unknown
  /** Called to release the source when reading stops early (cancel, destroy). */
  cancel?: () => unknown
}

/**
 * Reads a body (a WHATWG `ReadableStream`, a Node stream or any async iterable of bytes) into
 * one Buffer, refusing more than `maxBytes`: a declared length above it before reading, and the
 * body as soon as it grows past it.
 *
 * @throws KamuiError from `options.tooLarge` (GEN_002 by default) when the body is too large;
 *   the mapped stream error; the signal's reason when aborted
 */
export async function readCapped(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null | undefined,
  maxBytes: number,
  what: string,
  options: ReadCappedOptions = {},
): Promise<Buffer> {
  const fail = options.tooLarge ?? ((length?: number) => tooLarge(what, maxBytes, { length }))
  const declared = Number(options.declaredLength ?? NaN)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await release(body, options)
    throw fail(declared)
  }
  if (!body) return Buffer.alloc(0)
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength
      if (total > maxBytes) {
        await release(body, options)
        throw fail()
      }
      chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    }
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal)
    if (error instanceof KamuiError || !options.onStreamError) throw error
    throw options.onStreamError(error)
  }
  return Buffer.concat(chunks, total)
}

async function release(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null | undefined,
  options: ReadCappedOptions,
): Promise<void> {
  try {
    if (options.cancel) await options.cancel()
    else if (body && 'cancel' in body && typeof body.cancel === 'function' && !body.locked)
      await body.cancel()
  } catch {
    // releasing is best effort
  }
}

/**
 * The shared part of mapping an HTTP status to an error: 429 → IMG_006 (retryable, with
 * `Retry-After` in ms), 408 and 5xx → IMG_008 (retryable). Other statuses return undefined:
 * what they mean depends on the service (expired media, refused credentials, a rejected
 * workflow).
 *
 * @param retryAfterMs the parsed `Retry-After` of a 429, if any
 * @param detail appended to the 408 / 5xx message (`: <server text>`), if any
 */
export function transientStatusError(
  status: number,
  what: string,
  retryAfterMs?: number,
  detail?: string,
): KamuiError | undefined {
  if (status === 429) {
    return new KamuiError('IMG_006', `${what} was rate limited (HTTP 429).`, {
      retryable: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
  if (status === 408 || status >= 500) {
    return new KamuiError(
      'IMG_008',
      `${what} failed with HTTP ${status}${detail === undefined ? '.' : `: ${detail}`}`,
      { retryable: true },
    )
  }
  return undefined
}

/** Whether downloads may reach loopback, link-local and private addresses. */
export interface NetworkPolicy {
  /** Self-hosted setups (ComfyUI on the runner, local file servers): `true` allows them. */
  allowPrivate: boolean
}

let defaultPolicy: NetworkPolicy = { allowPrivate: false }

/**
 * Sets the policy used when a caller passes none. Adapters (action entries, CLI) set it once
 * from the `allow-private-network` input or `KAMUI_ALLOW_PRIVATE_NETWORK`
 * ({@link networkPolicyFromInputs}); the default refuses private targets.
 */
export function setDefaultNetworkPolicy(policy: NetworkPolicy): void {
  defaultPolicy = { ...policy }
}

/** The policy used when a caller passes none. */
export function defaultNetworkPolicy(): NetworkPolicy {
  return { ...defaultPolicy }
}

/**
 * The policy of one run, for the adapters: the `allow-private-network` input (stages that
 * declare it, `src/contracts/network-inputs.ts`) or the environment variable
 * `KAMUI_ALLOW_PRIVATE_NETWORK` allows private targets; either says true/false.
 *
 * @throws KamuiError CFG_001 when the input is not true or false
 */
export function networkPolicyFromInputs(
  raw: RawInputs,
  env: Record<string, string | undefined>,
): NetworkPolicy {
  const input = parseBooleanInput(raw, 'allow-private-network')
  return { allowPrivate: input || allowsPrivateNetwork(env['KAMUI_ALLOW_PRIVATE_NETWORK']) }
}

/** Whether an environment value (`KAMUI_ALLOW_PRIVATE_NETWORK`) allows private targets. */
export function allowsPrivateNetwork(value: string | undefined): boolean {
  return ['true', '1', 'yes', 'on'].includes((value ?? '').trim().toLowerCase())
}

const PRIVATE = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6')
}

/**
 * Whether an IP address is loopback, link-local (cloud metadata at 169.254.169.254), private
 * (RFC 1918, unique local), carrier-grade NAT, multicast, reserved or unspecified.
 * IPv4-mapped IPv6 addresses are judged by their IPv4 part.
 */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return PRIVATE.check(mapped[1] as string, 'ipv4')
  const family = isIP(address)
  if (family === 4) return PRIVATE.check(address, 'ipv4')
  if (family === 6) return PRIVATE.check(address, 'ipv6')
  return false
}

/** Resolves a host name to its addresses (replaceable in tests). */
export type HostLookup = (host: string) => Promise<string[]>

const systemLookup: HostLookup = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * Checks a download target before any request: the host and every address it resolves to must
 * be public unless `policy.allowPrivate`.
 *
 * @throws KamuiError NET_001 naming the host when it is (or resolves to) a loopback,
 *   link-local or private address; IMG_008 when the host cannot be resolved
 */
export async function checkDownloadTarget(
  url: URL,
  policy: NetworkPolicy = defaultPolicy,
  resolve: HostLookup = systemLookup,
): Promise<void> {
  if (policy.allowPrivate) return
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const refused = (address: string): KamuiError =>
    new KamuiError(
      'NET_001',
      `refusing to download from ${url.protocol}//${url.host}: ${address === host ? 'it is' : `it resolves to ${address}, which is`} ` +
        'a loopback, link-local or private address. For self-hosted setups that serve media on ' +
        'the local network, set the input allow-private-network: true (or the environment ' +
        'variable KAMUI_ALLOW_PRIVATE_NETWORK=true).',
      { retryable: false },
    )
  if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost'))
    throw refused(host)
  if (isIP(host) !== 0) {
    if (isPrivateAddress(host)) throw refused(host)
    return
  }
  let addresses: string[]
  try {
    addresses = await resolve(host)
  } catch (error) {
    throw new KamuiError('IMG_008', `the host ${host} could not be resolved.`, {
      cause: error,
      retryable: true,
    })
  }
  const bad = addresses.find(isPrivateAddress)
  if (bad !== undefined) throw refused(bad)
}

/** Options of {@link fetchChecked}. */
export interface FetchCheckedOptions {
  signal?: AbortSignal
  fetch?: typeof fetch
  policy?: NetworkPolicy
  lookup?: HostLookup
  maxRedirects?: number
}

/**
 * GET `url` following redirects by hand, so that each hop's target is checked with
 * {@link checkDownloadTarget} (and must stay http(s)) before it is requested.
 *
 * @returns the final response; its `url` may be empty with custom fetches, so the final URL
 *   is returned too
 * @throws KamuiError NET_001 for a refused target (first or after a redirect), GEN_002 for a
 *   redirect to another scheme, without `Location`, or past `maxRedirects`; what `fetch` throws
 */
export async function fetchChecked(
  url: string,
  options: FetchCheckedOptions = {},
): Promise<{ response: Response; url: string }> {
  const doFetch = options.fetch ?? fetch
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS
  let current = new URL(url)
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') {
      throw new KamuiError('GEN_002', `refusing to follow a redirect to a ${current.protocol} URL.`)
    }
    await checkDownloadTarget(current, options.policy ?? defaultPolicy, options.lookup)
    const response = await doFetch(current.href, {
      redirect: 'manual',
      ...(options.signal ? { signal: options.signal } : {}),
    })
    if (response.status < 300 || response.status >= 400 || response.status === 304) {
      return { response, url: current.href }
    }
    await response.body?.cancel().catch(() => undefined)
    const location = response.headers.get('location')
    if (location === null || location.trim() === '') {
      throw new KamuiError('GEN_002', `HTTP ${response.status} redirect without a Location.`)
    }
    if (hop >= maxRedirects) {
      throw new KamuiError('GEN_002', `more than ${maxRedirects} redirects; giving up.`)
    }
    current = new URL(location, current)
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`
}

/**
 * The largest answer to one MCP request over HTTP: one inline image at the media cap, as
 * base64 (4/3), plus 4 MiB of JSON around it. Bigger answers are cut off while streaming,
 * before they are parsed.
 */
export const MAX_MCP_RESPONSE_BYTES = Math.ceil((MAX_MEDIA_BYTES * 4) / 3) + 4 * 1024 * 1024

/**
 * Wraps `base` so that the body of every response to a POST (the answers of Streamable HTTP
 * MCP requests, plain JSON or an SSE stream) fails once it grows past `maxBytes`: a server
 * cannot exhaust memory with one oversized inline image. GET event streams (notifications,
 * long-lived) are left as they are.
 *
 * @throws (from the body) KamuiError GEN_002 naming the limit, when a body grows past it
 */
export function cappedResponseFetch(base: typeof fetch, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init)
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    if (method !== 'POST' || !response.body) return response
    let total = 0
    const limit = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        total += chunk.byteLength
        if (total > maxBytes) {
          controller.error(tooLarge('the MCP server answer', maxBytes))
          return
        }
        controller.enqueue(chunk)
      },
    })
    return new Response(response.body.pipeThrough(limit), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
  }
}
