/**
 * Which values of a run are credentials (SPEC §8 security, issue 14 §1).
 *
 * Pure functions: each takes one place a credential can hide (a header, an environment
 * variable, stdio arguments, a URL, an `Authorization` value) and returns the credential values
 * it holds. Values that are not credentials are never returned: booleans, numbers, short words,
 * MIME types, paths and URLs without credentials. Masking them would mangle results (an env
 * value `true` turning every `true` of an output into `***`) and tell the runner to mask them
 * in the rest of the job log.
 */

/** Names whose values are credentials: `API_KEY`, `--x-token`, `password`, `client_secret`… */
const CREDENTIAL_NAME = /key|token|secret|pass|pwd|auth|credential|cookie|session|signature/i
/** Query parameters of signed URLs that carry credentials (besides {@link CREDENTIAL_NAME}). */
const CREDENTIAL_QUERY = /^(sig|x-amz-signature|x-goog-signature|x-amz-credential|code)$/i
const BOOLEAN_WORD = /^(true|false|yes|no|on|off|null|none|nil|undefined|enabled?|disabled?)$/i
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?[a-z%]{0,3}$/i
const SHORT_WORD = /^[A-Za-z][A-Za-z_-]{0,11}$/
const MIME_TYPE = /^[a-z]+\/[a-z0-9.+-]+(\s*;.*)?$/i
const PATH_LIKE = /^(\.{0,2}\/|~\/|[A-Za-z]:\\)[\w./\\ -]*$/
/** Schemes whose token part is the credential in `Authorization: <scheme> <token>`. */
const AUTH_SCHEME = /^(bearer|token|basic|digest|apikey|api-key|key|negotiate|dpop)\s+(.+)$/i

/** The shortest value ever registered (the runner ignores shorter secrets as well). */
export const MIN_SECRET_LENGTH = 4

/**
 * Whether `value` can be a credential at all: at least {@link MIN_SECRET_LENGTH} characters,
 * not a boolean word, not a number (`1024`, `0.5`, `30s`).
 */
export function canBeCredential(value: string): boolean {
  const text = value.trim()
  return text.length >= MIN_SECRET_LENGTH && !BOOLEAN_WORD.test(text) && !NUMBER.test(text)
}

/**
 * Whether a value found where credentials may or may not be (any header or env value) looks
 * like one: {@link canBeCredential}, and not a short plain word (`production`, `debug`), a MIME
 * type, a path or a URL (URLs are searched with {@link credentialsInUrl} instead).
 */
export function looksLikeCredential(value: string): boolean {
  const text = value.trim()
  if (!canBeCredential(text)) return false
  if (SHORT_WORD.test(text) || MIME_TYPE.test(text) || PATH_LIKE.test(text)) return false
  return !isUrl(text)
}

/** Whether a variable, header, argument or query name names a credential. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name)
}

/**
 * The credentials in a URL: the password of its userinfo (and the user name when it looks like
 * a credential itself), and the values of
 * query parameters named like credentials (`token`, `api_key`, `sig`, `X-Amz-Signature`, …).
 * A URL without them yields nothing; text that is no URL yields nothing.
 */
export function credentialsInUrl(text: string): string[] {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    return []
  }
  const out: string[] = []
  // The password always; the user name only when it looks like a credential itself (a token
  // used as user name), so that `user` or `admin` stay readable.
  if (url.password !== '') out.push(url.password, safeDecode(url.password))
  if (url.username !== '' && looksLikeCredential(safeDecode(url.username)))
    out.push(url.username, safeDecode(url.username))
  for (const [name, value] of url.searchParams) {
    if (isCredentialName(name) || CREDENTIAL_QUERY.test(name)) {
      out.push(value, encodeURIComponent(value))
    }
  }
  return unique(out.filter(canBeCredential))
}

/**
 * The credentials in an `Authorization`-style value: the token after the scheme
 * (`Bearer abc` → `abc`), for `Basic` also the decoded `user:password` and its password, and
 * the whole value.
 */
export function credentialsInAuthorization(value: string): string[] {
  const text = value.trim()
  const match = AUTH_SCHEME.exec(text)
  if (!match) return canBeCredential(text) ? [text] : []
  const token = (match[2] ?? '').trim()
  const out = [text, token]
  if ((match[1] ?? '').toLowerCase() === 'basic') {
    const decoded = Buffer.from(token, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0 && /^[\x20-\x7e]+$/.test(decoded)) out.push(decoded, decoded.slice(colon + 1))
  }
  return unique(out.filter(canBeCredential))
}

/**
 * The credentials in one header: every value of a header named like a credential
 * (`Authorization`, `X-Api-Key`, `KAMUI-CODE-PASS`) with its scheme token, and a value of any
 * other header only when it {@link looksLikeCredential} (so `Accept: application/json` or
 * `X-Mode: fast` stay readable); credentials in URL values.
 */
export function credentialsInHeader(name: string, value: string): string[] {
  if (isCredentialName(name) || /^(proxy-)?authorization$/i.test(name)) {
    return credentialsInAuthorization(value)
  }
  return unique([
    ...credentialsInUrl(value),
    ...(looksLikeCredential(value) ? credentialsInAuthorization(value) : []),
  ])
}

/**
 * The credentials in one environment variable of a stdio server: its value when the name
 * names a credential (and it {@link canBeCredential}) or when the value looks like one, and
 * credentials in URL values (`DATABASE_URL=postgres://user:pw@host`).
 */
export function credentialsInEnv(name: string, value: string): string[] {
  const out = credentialsInUrl(value)
  if (isCredentialName(name) ? canBeCredential(value) : looksLikeCredential(value)) {
    out.push(...credentialsInAuthorization(value))
  }
  return unique(out)
}

/**
 * The credentials in a stdio server's arguments: `--api-key=v`, `--token v`, `-p v` is not
 * guessed; `NAME=v` pairs whose name is a credential name; `Authorization: Bearer v` as one
 * argument; credentials in URL arguments. A flag's value counts when the flag names a
 * credential (`--x-key`, `--token`, `--client-secret`, `--password`).
 */
export function credentialsInArgs(args: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? ''
    out.push(...credentialsInUrl(arg))
    const pair = /^(-{0,2}[A-Za-z_][\w.-]*)[=:]\s*(.+)$/s.exec(arg)
    if (pair) {
      const [, name = '', value = ''] = pair
      if (isCredentialName(name) || /^(proxy-)?authorization$/i.test(name.replace(/^-+/, ''))) {
        out.push(...credentialsInAuthorization(value))
      }
      continue
    }
    const flag = /^--?([A-Za-z][\w.-]*)$/.exec(arg)
    const next = args[i + 1]
    if (flag && next !== undefined && !next.startsWith('-') && isCredentialName(flag[1] ?? '')) {
      out.push(...credentialsInAuthorization(next))
      i++
    }
  }
  return unique(out)
}

function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))]
}
