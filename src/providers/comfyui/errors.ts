import { KamuiError } from '../../core/errors.js'
import type { HistoryEntry, NodeError } from './types.js'

/**
 * Turning ComfyUI's error shapes into {@link KamuiError}s that name the node, its class and the
 * message (ComfyUI `server.py` and `execution.py`):
 *
 * - `POST /prompt` 400 bodies: `{ error: { type, message, details, extra_info }, node_errors: {…} }`
 *   since v0.3.28, `{ error: "<text>", node_errors: [] }` before (and from some proxies); a
 *   non-JSON body (aiohttp's default 500 text) is kept as text.
 * - `execution_error` events and the same record in a history entry's `status.messages`.
 */

/** The longest piece of server text quoted in a message. */
const MAX_TEXT = 400

/** A parsed error body of any era. */
export interface ErrorBody {
  /** `error.type` of object bodies (`prompt_outputs_failed_validation`, …), if any. */
  type: string | undefined
  /** Human text: `error.message` + `details`, the string `error`, or the raw body. */
  message: string
  /** `node_errors` as an object; `[]` (older servers) becomes `{}`. */
  nodeErrors: Record<string, NodeError>
}

/**
 * Reads an error response body whatever its shape: a string `error`, an object `error`, or no
 * JSON at all. Never throws.
 */
export function parseErrorBody(text: string): ErrorBody {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { type: undefined, message: clip(text.trim()) || '(empty body)', nodeErrors: {} }
  }
  if (json === null || typeof json !== 'object') {
    return { type: undefined, message: clip(String(json)), nodeErrors: {} }
  }
  const record = json as { error?: unknown; node_errors?: unknown; message?: unknown }
  const nodeErrors = asNodeErrors(record.node_errors)
  const error = record.error
  if (typeof error === 'string') return { type: undefined, message: clip(error), nodeErrors }
  if (error !== null && typeof error === 'object') {
    const e = error as { type?: unknown; message?: unknown; details?: unknown }
    const message = [e.message, e.details]
      .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
      .join(': ')
    return {
      type: typeof e.type === 'string' ? e.type : undefined,
      message: clip(message || JSON.stringify(error)),
      nodeErrors,
    }
  }
  if (typeof record.message === 'string') {
    return { type: undefined, message: clip(record.message), nodeErrors }
  }
  return { type: undefined, message: clip(text.trim()), nodeErrors }
}

/** `node_errors` as an object keyed by node id (`[]`, `null` or garbage give `{}`). */
export function asNodeErrors(value: unknown): Record<string, NodeError> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return {}
  return value as Record<string, NodeError>
}

/**
 * One line per failing node: `node 4 (CheckpointLoaderSimple): Value not in list: ckpt_name:
 * 'x.safetensors' not in [] [value_not_in_list, input ckpt_name]`.
 */
export function describeNodeErrors(nodeErrors: Record<string, NodeError>): string[] {
  const lines: string[] = []
  for (const [nodeId, entry] of Object.entries(nodeErrors)) {
    const cls = entry.class_type ?? 'unknown class'
    const errors = Array.isArray(entry.errors) && entry.errors.length > 0 ? entry.errors : [{}]
    for (const error of errors) {
      const text = [error.message, error.details]
        .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
        .join(': ')
      const tags = [
        error.type,
        error.extra_info?.input_name && `input ${error.extra_info.input_name}`,
      ]
        .filter((tag): tag is string => typeof tag === 'string' && tag !== '')
        .join(', ')
      lines.push(
        `node ${nodeId} (${cls}): ${clip(text || 'validation failed')}${tags ? ` [${tags}]` : ''}`,
      )
    }
  }
  return lines
}

/**
 * COMFY_001 for a workflow ComfyUI refused (`POST /prompt` 400, or a 200 whose `node_errors`
 * dropped the output this job needs).
 */
export function rejectedError(server: string, body: ErrorBody, status?: number): KamuiError {
  const nodes = describeNodeErrors(body.nodeErrors)
  const head = `ComfyUI at ${server} rejected the workflow${status ? ` (HTTP ${status})` : ''}: ${
    body.message
  }${body.type ? ` [${body.type}]` : ''}`
  return new KamuiError('COMFY_001', nodes.length > 0 ? `${head}; ${nodes.join('; ')}` : head, {
    retryable: false,
  })
}

/** The fields of an `execution_error` event (or its history message) the client reads. */
export interface ExecutionErrorData {
  prompt_id?: string
  node_id?: string | number
  node_type?: string
  exception_type?: string
  exception_message?: string
}

/**
 * COMFY_002 for a node that raised while the workflow ran, naming node, class, exception type
 * and message. A CUDA/torch out-of-memory exception becomes IMG_010 (resource allocation
 * failure) with the same details, since more memory — not a different workflow — is the fix.
 */
export function executionError(server: string, data: ExecutionErrorData): KamuiError {
  const node = data.node_id !== undefined ? String(data.node_id) : '?'
  const cls = data.node_type ?? 'unknown class'
  const type = data.exception_type ?? 'error'
  const message = clip((data.exception_message ?? '').trim() || 'no message')
  const detail = `ComfyUI at ${server}: node ${node} (${cls}) failed with ${type}: ${message}`
  if (/OutOfMemory|out of memory/i.test(`${type} ${message}`)) {
    return new KamuiError('IMG_010', `${detail} (the GPU ran out of memory).`, { retryable: false })
  }
  return new KamuiError('COMFY_002', detail, { retryable: false })
}

/** COMFY_002 for a prompt interrupted on the server by someone other than this client. */
export function interruptedError(server: string, data: ExecutionErrorData): KamuiError {
  const where =
    data.node_id !== undefined ? ` at node ${data.node_id} (${data.node_type ?? '?'})` : ''
  return new KamuiError(
    'COMFY_002',
    `ComfyUI at ${server}: the prompt was interrupted on the server${where} (not by this run).`,
    { retryable: false },
  )
}

/**
 * The failure recorded in a finished history entry whose status is `error`: the
 * `execution_error` or `execution_interrupted` message, or a generic COMFY_002.
 */
export function historyFailure(server: string, entry: HistoryEntry): KamuiError {
  const messages = entry.status?.messages ?? []
  for (const [event, data] of messages) {
    if (event === 'execution_error') return executionError(server, data as ExecutionErrorData)
  }
  for (const [event, data] of messages) {
    if (event === 'execution_interrupted') {
      return interruptedError(server, data as ExecutionErrorData)
    }
  }
  return new KamuiError(
    'COMFY_002',
    `ComfyUI at ${server}: the prompt finished with status "${entry.status?.status_str ?? '?'}" and no error message.`,
    { retryable: false },
  )
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text
}
