import { KamuiError } from '../../core/errors.js'

/** The URL ComfyUI listens on by default (`--listen 127.0.0.1 --port 8188`). */
export const DEFAULT_COMFYUI_URL = 'http://127.0.0.1:8188'

/**
 * Parses the `comfyui-url` input: one or more ComfyUI base URLs separated by commas, spaces or
 * new lines. Each must be `http:` or `https:`; trailing slashes are dropped and duplicates
 * removed (first occurrence kept). An empty text gives `[DEFAULT_COMFYUI_URL]`. A URL may carry a
 * path prefix of a reverse proxy (`https://gpu.example/comfy`); the client adds `/api/…` or the
 * bare route to it.
 *
 * @returns base URLs without a trailing slash, in input order
 * @throws KamuiError CFG_001 naming the first entry that is not an http(s) URL, or one that
 *   carries a query or fragment
 */
export function parseComfyUrls(text: string | undefined): string[] {
  const parts = (text ?? '')
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter((part) => part !== '')
  if (parts.length === 0) return [DEFAULT_COMFYUI_URL]
  const seen = new Set<string>()
  for (const part of parts) {
    let url: URL
    try {
      url = new URL(part)
    } catch {
      throw invalid(part, 'it is not a URL')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid(part, `the scheme must be http or https, not ${url.protocol.replace(':', '')}`)
    }
    if (url.search !== '' || url.hash !== '') throw invalid(part, 'it may not carry a query or #')
    if (url.username !== '' || url.password !== '') {
      // Never echo the credentials themselves.
      throw invalid(`${url.protocol}//${url.host}${url.pathname}`, 'credentials belong in headers')
    }
    seen.add(`${url.origin}${url.pathname.replace(/\/+$/, '')}`)
  }
  return [...seen]
}

function invalid(part: string, why: string): KamuiError {
  return new KamuiError('CFG_001', `comfyui-url: "${part}" is not usable: ${why}.`, {
    retryable: false,
  })
}
