import type { z } from 'zod'

/** A JSON path as written in problems: `artifacts[2].sha256`, `run.started_at`, `(root)`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = ''
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? String(segment) : `.${String(segment)}`
  }
  return out === '' ? '(root)' : out
}

/**
 * One readable line per field of a failed validation: `<path>: missing` when the field is
 * absent from `data`, `<path>: <what is wrong> (got <value>)` otherwise. Several issues on
 * the same field are merged into one line.
 *
 * @param data the value that was validated (to tell a missing field from a malformed one)
 * @param prefix path segments to put before each issue's own path
 */
export function describeIssues(
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): string[] {
  const byPath = new Map<string, string[]>()
  for (const issue of issues) {
    const full = [...prefix, ...issue.path]
    const where = jsonPath(full)
    const what = describeOne(data, issue)
    const list = byPath.get(where) ?? []
    if (!list.includes(what)) list.push(what)
    byPath.set(where, list)
  }
  return [...byPath.entries()].map(([where, whats]) => `${where}: ${whats.join('; ')}`)
}

function describeOne(data: unknown, issue: z.core.$ZodIssue): string {
  const { found, value } = lookup(data, issue.path)
  if (!found) return 'missing'
  return `${issue.message} (got ${preview(value)})`
}

function lookup(
  data: unknown,
  segments: readonly PropertyKey[],
): { found: boolean; value: unknown } {
  let current: unknown = data
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment)) {
      return { found: false, value: undefined }
    }
    current = (current as Record<PropertyKey, unknown>)[segment]
  }
  return { found: true, value: current }
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
