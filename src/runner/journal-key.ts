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

/**
 * The ComfyUI `prompt_id` of a job in a stage folder: a lowercase UUID (version 8, RFC 9562
 * custom) made from the sha256 of the job key and the folder, so that a retry or a re-run of
 * the same job into the same folder sends the same id and can find the prompt on the server.
 */
export function promptIdOf(key: string, folder: string): string {
  const h = sha256(`${key}\n${folder}`)
  const variant = ((parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
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
