import { createHash } from 'node:crypto'
import type { ModelJob } from '../providers/kinds/job.js'

/**
 * The job key of issue 11: sha256 (hex) of the canonical JSON of what decides a job's
 * result: provider, model label (alias, or `preview:<alias>`), the MCP tools (their names
 * carry the model version, e.g. `imagen4_fast_submit`) or the ComfyUI workflow template, and
 * the arguments actually sent. Binary argument values (input images as bytes) enter as the
 * sha256 of their bytes, so an input file's content is part of the key.
 */
export function jobKey(job: ModelJob): string {
  const described =
    job.provider === 'mcp'
      ? { provider: 'mcp', model: job.label, call: job.call, args: job.args, answer: job.answer }
      : { provider: 'comfyui', model: job.label, workflow: job.template, args: job.params }
  return sha256(canonicalJson(described))
}

/** sha256 in lower-case hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/**
 * JSON with object keys sorted at every depth, `undefined` members left out (as
 * `JSON.stringify` does) and byte arrays replaced by `{ sha256 }` of their content.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value))
}

function canonical(value: unknown): unknown {
  if (value instanceof Uint8Array) return { sha256: sha256(value) }
  if (Array.isArray(value)) return value.map((item) => canonical(item) ?? null)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key]
      if (member !== undefined) out[key] = canonical(member)
    }
    return out
  }
  return value
}
