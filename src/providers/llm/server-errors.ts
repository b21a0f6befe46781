import { KamuiError } from '../../core/errors.js'
import { describeNetworkError, parseServerError, shorten, type ServerError } from './http.js'
import { availableText } from './models.js'
import type { LlmModelInfo } from './types.js'

/**
 * Mapping of server answers to error codes, shared by the LM Studio and Ollama clients
 * (the error bodies the LM Studio and Ollama docs and issue trackers show):
 *
 * | answer | code |
 * |---|---|
 * | connection refused, reset, host not found | LLM_001 |
 * | HTTP 5xx | LLM_001 (the server is failing) |
 * | unknown model: `model_not_found`, `Invalid model identifier`, Ollama `model "x" not found` | LLM_003 |
 * | `No models loaded` (LM Studio with just-in-time loading off) | LLM_003 |
 * | any other 4xx, or an error body with status 200, or a mid-stream error chunk | LLM_002 |
 */

/** Whether a server error is about the model (unknown or not loaded). */
export function isModelError(error: ServerError): boolean {
  if (error.code === 'model_not_found') return true
  return /no models? (?:is )?loaded|invalid model identifier|model ["'`]?[^"'`]*["'`]? not found|model not found|not loaded/i.test(
    error.message,
  )
}

/**
 * The KamuiError of a non-200 answer, a 200 with an error body, or a mid-stream error chunk.
 *
 * @param where names server and model, e.g. `LM Studio at http://…, model "x"`
 * @param status HTTP status (200 for error bodies and chunks after a 200)
 * @param body the body text, or an already parsed chunk
 * @param models lists the server's models for LLM_003 messages (best effort: on failure the
 *   message says the list could not be read)
 * @param modelInput the input that names the model, for the advice
 */
export async function serverAnswerError(
  where: string,
  status: number,
  body: string | unknown,
  models: () => Promise<LlmModelInfo[]>,
  modelInput: string,
): Promise<KamuiError> {
  const parsed = parseServerError(body)
  const raw = typeof body === 'string' ? body : JSON.stringify(body)
  const message = parsed?.message ?? (shorten(raw) || '(empty body)')
  if (parsed && isModelError(parsed) && status !== 200) {
    const list = await models().then(
      (m) => availableText(m),
      () => 'Its model list could not be read.',
    )
    const advice = /no models? (?:is )?loaded/i.test(message)
      ? 'Load a model (lms load <id>) or turn on just-in-time loading, or set ' +
        `${modelInput} to a model that is loaded.`
      : `Set ${modelInput} to one of the available models.`
    return new KamuiError(
      'LLM_003',
      `${where}: the server answered HTTP ${status} "${shorten(message)}". ${list} ${advice}`,
    )
  }
  if (status >= 500) {
    return new KamuiError(
      'LLM_001',
      `${where}: the server failed with HTTP ${status}: ${shorten(message)}`,
    )
  }
  const what =
    status === 200 ? 'answered HTTP 200 with an error' : `rejected the request with HTTP ${status}`
  return new KamuiError('LLM_002', `${where} ${what}: ${shorten(message)}`)
}

/** A socket-level failure as LLM_001 (KamuiErrors pass through unchanged). */
export function networkError(where: string, error: unknown): unknown {
  if (error instanceof KamuiError) return error
  return new KamuiError('LLM_001', `${where}: ${describeNetworkError(error)}.`, { cause: error })
}
