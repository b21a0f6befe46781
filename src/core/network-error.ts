/**
 * Network failures in an error's cause chain, as Node's `fetch` (undici), `net` and the MCP SDK
 * report them. Shared by the MCP error classifier, the media download and the ComfyUI client.
 */

/** Error codes that mean the connection failed or broke (retryable network trouble). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
])

/** The network error code (`ECONNREFUSED`, …, or `fetch failed`) in an error's cause chain. */
export function networkCodeOf(error: unknown): string | undefined {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  let fetchFailed = false
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift()
    if (current === null || typeof current !== 'object' || seen.has(current)) continue
    seen.add(current)
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code
    if (current instanceof Error) {
      if (/\bfetch failed\b/i.test(current.message)) fetchFailed = true
      const named =
        /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/.exec(
          current.message,
        )
      if (named) return named[1]
      if (/\bsocket hang up\b|\bother side closed\b/i.test(current.message))
        return 'connection reset'
    }
    queue.push((current as { cause?: unknown }).cause)
    const errors = (current as { errors?: unknown }).errors
    if (Array.isArray(errors)) queue.push(...errors)
  }
  return fetchFailed ? 'fetch failed' : undefined
}
