import { KamuiError } from './errors.js'

/**
 * URLs that reach step outputs and `.txt` files are data (SPEC §8, issue 14 §4): a model can
 * return any text as a "URL", and legacy workflows interpolate `google-image-url` into `run:`
 * scripts. Every such URL is parsed and written back in one safe form.
 */

/** Longest URL written to an output, in characters (signed CDN URLs stay far below). */
export const MAX_OUTPUT_URL_LENGTH = 8192

/**
 * `preview://<kind>/<name>` identifiers of the embedded preview server (`preview://image/
 * 0123456789abcdef.png`): not fetchable, kept as they are so legacy steps can tell preview
 * output apart (SPEC §3.4).
 */
const PREVIEW_ID = /^preview:\/\/[a-z]{1,16}\/[A-Za-z0-9._-]{1,128}$/

/** Characters a shell treats specially inside or outside quotes, percent-encoded on output. */
const SHELL_SPECIAL = /['`$\\()!]/g

/**
 * `text` as an http(s) URL in safe, canonical form, or undefined when it is not one.
 *
 * The text must be a single absolute http(s) URL without whitespace or control characters
 * (before parsing: the WHATWG parser silently drops tabs and newlines) and at most
 * {@link MAX_OUTPUT_URL_LENGTH} characters. It is re-serialised by `URL` (quotes, spaces,
 * `<`, `>` and non-ASCII percent-encoded) and the shell characters `' \` $ \\ ( ) !` are
 * percent-encoded too, so the result can never close a quoted string or start a command
 * substitution in a `run:` script.
 */
export function safeHttpUrl(text: string): string | undefined {
  const trimmed = text.trim()
  if (trimmed === '' || trimmed.length > MAX_OUTPUT_URL_LENGTH) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f\u2028\u2029]/.test(trimmed)) return undefined
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.hostname === '') return undefined
  return url.href.replace(SHELL_SPECIAL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Whether `text` is a `preview://` identifier of the preview server. */
export function isPreviewId(text: string): boolean {
  return PREVIEW_ID.test(text)
}

/**
 * A media URL a model returned, in the form safe for outputs and files: an http(s) URL through
 * {@link safeHttpUrl}, or a `preview://` identifier unchanged; undefined for anything else
 * (other schemes, quotes or newlines that do not survive parsing, over-long text).
 */
export function safeMediaUrl(text: string): string | undefined {
  const trimmed = text.trim()
  if (isPreviewId(trimmed)) return trimmed
  return safeHttpUrl(trimmed)
}

/**
 * The value written for a URL output or URL file: `''` for no URL, else {@link safeMediaUrl}.
 *
 * @param what the output or file, named in the error (`google-image-url`)
 * @throws KamuiError URL_001 when `url` is not a single-line http(s) URL or preview identifier
 */
export function outputUrl(url: string | null | undefined, what: string): string {
  if (url === null || url === undefined || url.trim() === '') return ''
  const safe = safeMediaUrl(url)
  if (safe === undefined) {
    throw new KamuiError(
      'URL_001',
      `${what}: the model returned a media reference that is not a single-line http(s) URL ` +
        '(other scheme, control characters or over-long); it is not written.',
    )
  }
  return safe
}
