import { KamuiError } from '../../core/errors.js'
import { shorten } from './http.js'

/** Checks on the bodies of LM Studio and Ollama answers. */

/** @throws KamuiError LLM_002 when `text` is not JSON */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new KamuiError(
      'LLM_002',
      `${where} sent a body that is not JSON: "${shorten(text) || '(empty)'}".`,
    )
  }
}

/** Whether a parsed body is `{error: …}` (either style). */
export function isErrorBody(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    'error' in body &&
    (body as { error: unknown }).error != null
  )
}

/**
 * Checks embedding vectors: one array of finite numbers per input, all the same length.
 *
 * @throws KamuiError LLM_002 naming what is wrong
 */
export function checkVectors(vectors: unknown[], expected: number, where: string): number[][] {
  if (vectors.length !== expected) {
    throw new KamuiError(
      'LLM_002',
      `${where} returned ${vectors.length} embedding(s) for ${expected} input(s).`,
    )
  }
  const out: number[][] = []
  for (const [i, vector] of vectors.entries()) {
    if (
      !Array.isArray(vector) ||
      vector.length === 0 ||
      !vector.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw new KamuiError(
        'LLM_002',
        `${where} returned embedding ${i} that is not a non-empty array of finite numbers.`,
      )
    }
    if (out[0] && vector.length !== out[0].length) {
      throw new KamuiError(
        'LLM_002',
        `${where} returned embeddings of different lengths (${out[0].length} and ${vector.length}).`,
      )
    }
    out.push(vector as number[])
  }
  return out
}
