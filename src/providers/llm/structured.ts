import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'
import { shorten } from './http.js'

/**
 * Structured output: the JSON schema sent to the server and the checks on what comes back.
 *
 * LM Studio (GGUF: llama.cpp grammars; MLX: Outlines) and Ollama (`format`) constrain the
 * tokens to the schema's shape, but not every keyword (`minimum`, `maximum`, `pattern` are not
 * always enforced), small models may not comply at all, and a context overflow can return a
 * 200 with empty content (LM Studio docs, structured output). So the answer is always parsed and validated with
 * the zod schema it was made from; nothing is repaired or defaulted.
 */

/**
 * The JSON schema of a zod schema for `response_format.json_schema.schema` / Ollama `format`:
 * `z.toJSONSchema` (draft 2020-12, `additionalProperties: false` on objects), without the
 * `$schema` key, which the servers do not need.
 */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema) as Record<string, unknown>
  const { $schema: _ignored, ...rest } = json
  return rest
}

/**
 * The JSON text of an answer: the content trimmed, with a leading `<think>…</think>` block
 * (reasoning models that put their reasoning in the content) and one surrounding Markdown code
 * fence (```` ```json … ``` ````) removed. Nothing else is stripped.
 */
export function jsonTextOf(content: string): string {
  let text = content.trim()
  text = text.replace(/^<think>[\s\S]*?<\/think>\s*/, '')
  const fence = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/.exec(text)
  if (fence) text = (fence[1] ?? '').trim()
  return text
}

/**
 * Parses and validates a structured answer.
 *
 * @param content the assistant content as the server sent it
 * @param schema the zod schema the JSON schema was made from
 * @param where names the server and model in messages, e.g. `LM Studio model "x" at http://…`
 * @throws KamuiError LLM_002 when the content is empty, is not JSON, or does not satisfy the
 *   schema (each failing field is named, with the start of the answer)
 */
export function parseStructured<T>(content: string, schema: z.ZodType<T>, where: string): T {
  const text = jsonTextOf(content)
  if (text === '') {
    throw new KamuiError(
      'LLM_002',
      `${where} answered with empty content (HTTP 200). This happens when the prompt overflows ` +
        'the context length or the model cannot produce the requested JSON; try a larger ' +
        'context or another model.',
    )
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new KamuiError(
      'LLM_002',
      `${where} did not answer with JSON (${(error as Error).message}); it said: ` +
        `"${shorten(text)}". Use a model that supports structured output (reference: models ` +
        'below 7B parameters often ignore the schema).',
    )
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
      .join('; ')
    throw new KamuiError(
      'LLM_002',
      `${where} answered JSON that does not match the requested schema (${issues}); ` +
        `answer: ${shorten(text)}`,
    )
  }
  return parsed.data
}
