/**
 * `${VAR}` / `${VAR:-default}` expansion as Claude Code applies it to `.mcp.json` (`command`,
 * `args`, `env`, `url`, `headers`; Claude Code's MCP documentation, "Environment variable expansion").
 */

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/** The outcome of expanding one string. */
export interface Expansion {
  /** The expanded text; an unset variable without default expands to the empty string. */
  value: string
  /** Names of variables that were unset and had no default. Never their values. */
  missing: string[]
}

/**
 * Expands `${VAR}` and `${VAR:-default}` in `text` from `env`.
 *
 * `${VAR:-default}` uses `default` when `VAR` is unset or empty (POSIX `:-` semantics); `${VAR}`
 * set to the empty string expands to it. Text that
 * does not match the pattern (e.g. `$VAR`, `${1}`) is kept as written. Expansion is single-pass:
 * a value that itself contains `${…}` is not expanded again.
 */
export function expandEnv(text: string, env: Record<string, string | undefined>): Expansion {
  const missing: string[] = []
  const value = text.replace(PATTERN, (_match, name: string, fallback: string | undefined) => {
    const found = env[name]
    if (fallback !== undefined) return found === undefined || found === '' ? fallback : found
    if (found !== undefined) return found
    missing.push(name)
    return ''
  })
  return { value, missing }
}
