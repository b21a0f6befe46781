import type { Logger } from './logger.js'

/** The text that replaces a secret in logs, errors and files. Same as the runner's mask. */
export const REDACTED = '***'

/**
 * Keeps the secret values of a run (`oauth-token`, header and env values of `mcp-config`,
 * API keys) and removes them from any text before it is logged or written.
 *
 * Values shorter than 4 characters are not registered: masking them would mangle ordinary
 * text, and the runner ignores such short secrets too.
 */
export class Redactor {
  private readonly secrets = new Set<string>()
  private readonly listeners: ((secret: string) => void)[] = []

  /** Registers secret values; `onAdd` listeners (e.g. `core.setSecret`) see each new one. */
  add(...values: (string | undefined | null)[]): void {
    for (const value of values) {
      if (typeof value !== 'string') continue
      const trimmed = value.trim()
      for (const candidate of new Set([value, trimmed])) {
        if (candidate.length < 4 || this.secrets.has(candidate)) continue
        this.secrets.add(candidate)
        for (const listener of this.listeners) listener(candidate)
      }
    }
  }

  /** Calls `listener` for every secret registered now and later. */
  onAdd(listener: (secret: string) => void): void {
    this.listeners.push(listener)
    for (const secret of this.secrets) listener(secret)
  }

  /** Whether `text` contains any registered secret. */
  contains(text: string): boolean {
    for (const secret of this.secrets) if (text.includes(secret)) return true
    return false
  }

  /** `text` with every registered secret replaced by {@link REDACTED}, longest first. */
  redact(text: string): string {
    if (this.secrets.size === 0) return text
    const ordered = [...this.secrets].sort((a, b) => b.length - a.length)
    let out = text
    for (const secret of ordered) out = out.split(secret).join(REDACTED)
    return out
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
}
