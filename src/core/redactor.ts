import type { Logger } from './logger.js'
import { canBeCredential } from './secrets.js'

/** The text that replaces a secret in logs, errors and files. Same as the runner's mask. */
export const REDACTED = '***'

/** Keys whose string values are never masked by {@link Redactor.redactDeep} (content hashes). */
const HASH_KEYS = new Set(['sha256', 'sha1', 'hash', 'digest'])

/**
 * The one registry of the secret values of a run (SPEC §8, issue 14 §1): `oauth-token`, and
 * the credentials of `mcp-config` found by `src/core/secrets.ts` (header values, env values,
 * credential-looking stdio arguments, URL userinfo and query credentials, `Authorization`
 * tokens). Values that cannot be credentials (shorter than 4 characters, booleans, numbers) are
 * never registered.
 *
 * Two kinds of entries:
 * - credentials ({@link add}): masked here and handed to `onAdd` listeners (the action adapter
 *   passes them to `core.setSecret`, so the runner masks them in the whole job log);
 * - local entries ({@link addLocal}): masked here only, never handed to the runner (the whole
 *   `mcp-config` text, `${VAR}` references as written), because they are not credentials
 *   themselves and the runner would mask every line of them in the rest of the log.
 *
 * Masking works on values: {@link redact} on one log line or one output value,
 * {@link redactDeep} on every string of a report or telemetry object before it is serialised.
 * Serialised JSON is never rewritten.
 */
export class Redactor {
  private readonly secrets = new Set<string>()
  private readonly localOnly = new Set<string>()
  private readonly listeners: ((secret: string) => void)[] = []
  private ordered: string[] | undefined

  /**
   * Registers credential values (each also trimmed); `onAdd` listeners see each new one.
   * Values that {@link canBeCredential} refuses are ignored.
   */
  add(...values: (string | undefined | null)[]): void {
    for (const candidate of this.candidates(values)) {
      this.secrets.add(candidate)
      this.ordered = undefined
      for (const listener of this.listeners) listener(candidate)
    }
  }

  /** Registers values masked in this process only (never handed to listeners). */
  addLocal(...values: (string | undefined | null)[]): void {
    for (const candidate of this.candidates(values)) {
      this.secrets.add(candidate)
      this.localOnly.add(candidate)
      this.ordered = undefined
    }
  }

  /** Calls `listener` for every credential registered now and later (never local entries). */
  onAdd(listener: (secret: string) => void): void {
    this.listeners.push(listener)
    for (const secret of this.secrets) if (!this.localOnly.has(secret)) listener(secret)
  }

  /** How many values are registered (credentials and local entries). */
  get size(): number {
    return this.secrets.size
  }

  /** Whether `text` contains any registered value. */
  contains(text: string): boolean {
    for (const secret of this.secrets) if (text.includes(secret)) return true
    return false
  }

  /** `text` with every registered value replaced by {@link REDACTED}, longest first. */
  redact(text: string): string {
    if (this.secrets.size === 0) return text
    let out = text
    for (const secret of this.longestFirst()) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED)
    }
    return out
  }

  /**
   * A copy of `value` with {@link redact} applied to every string (and every object key),
   * before it is serialised. Numbers, booleans and null stay as they are; strings under
   * hash keys (`sha256`, …) are kept. Class instances other than plain objects and arrays are
   * returned unchanged.
   */
  redactDeep<T>(value: T): T {
    return this.deep(value, undefined, 0) as T
  }

  /**
   * The field path of the first string of `value` that holds a registered value
   * (`images[0].url`, `$` for a bare string), or undefined when none does.
   */
  findSecretField(value: unknown): string | undefined {
    if (this.secrets.size === 0) return undefined
    const found = this.find(value, '$', 0)
    return found === undefined || found === '$' ? found : found.replace(/^\$\.?/, '')
  }

  /**
   * One step output with the secrets masked as data: a JSON array or object output
   * (`image-urls`, `warnings`) is parsed, masked field by field with {@link redactDeep} and
   * serialised again, so it stays valid JSON; any other value is masked as one string.
   */
  maskOutput(value: string): string {
    const text = value.trim()
    if (this.secrets.size > 0 && (text.startsWith('[') || text.startsWith('{'))) {
      try {
        return JSON.stringify(this.redactDeep(JSON.parse(text) as unknown))
      } catch {
        // not JSON: masked as text below
      }
    }
    return this.redact(value)
  }

  /** A logger that redacts every line before handing it to `inner`. */
  wrap(inner: Logger): Logger {
    return {
      debug: (m) => inner.debug(this.redact(m)),
      info: (m) => inner.info(this.redact(m)),
      warn: (m) => inner.warn(this.redact(m)),
      error: (m) => inner.error(this.redact(m)),
    }
  }

  private candidates(values: readonly (string | undefined | null)[]): string[] {
    const out: string[] = []
    for (const value of values) {
      if (typeof value !== 'string') continue
      for (const candidate of new Set([value, value.trim()])) {
        if (!canBeCredential(candidate) || this.secrets.has(candidate)) continue
        out.push(candidate)
      }
    }
    return out
  }

  private longestFirst(): string[] {
    this.ordered ??= [...this.secrets].sort((a, b) => b.length - a.length)
    return this.ordered
  }

  private deep(value: unknown, key: string | undefined, depth: number): unknown {
    if (typeof value === 'string') {
      return key !== undefined && HASH_KEYS.has(key) ? value : this.redact(value)
    }
    if (depth > 200 || typeof value !== 'object' || value === null) return value
    if (Array.isArray(value)) return value.map((v) => this.deep(v, undefined, depth + 1))
    if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
      return value
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [this.redact(k), this.deep(v, k, depth + 1)]),
    )
  }

  private find(value: unknown, at: string, depth: number): string | undefined {
    if (typeof value === 'string') return this.contains(value) ? at : undefined
    if (depth > 200 || typeof value !== 'object' || value === null) return undefined
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        const found = this.find(item, `${at}[${i}]`, depth + 1)
        if (found) return found
      }
      return undefined
    }
    for (const [k, v] of Object.entries(value)) {
      const where = /^[A-Za-z_$][\w$-]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`
      if (this.contains(k)) return where
      const found = this.find(v, where, depth + 1)
      if (found) return found
    }
    return undefined
  }
}
