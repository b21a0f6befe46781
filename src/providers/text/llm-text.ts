import { z } from 'zod'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import type { ModelTelemetry } from '../../contracts/telemetry.js'
import type { LlmClient } from '../llm/types.js'
import type {
  TextAnswer,
  TextCallOptions,
  TextMessage,
  TextProvider,
  TextRequest,
  TextSchema,
} from './provider.js'

/**
 * One structured-output call of a local LLM: the parsed JSON value the model produced for
 * `schema`.
 *
 * @throws KamuiError LLM_001 when no LLM server answers, LLM_002 when the answer is unusable,
 *   LLM_003 when the model is missing (anything else is wrapped as LLM_002 by the provider)
 */
export type StructuredLlmCall = (
  schema: TextSchema,
  messages: TextMessage[],
  options?: { signal?: AbortSignal },
) => Promise<unknown>

/** A local LLM: its structured-output call and what to record about it. */
export interface StructuredLlm {
  complete: StructuredLlmCall
  /** For reports and telemetry, e.g. `{ alias: 'qwen2.5-7b-instruct', provider: 'lmstudio', server: 'http://127.0.0.1:1234' }`. */
  model: Pick<ModelTelemetry, 'alias' | 'provider' | 'server'>
}

/**
 * The {@link StructuredLlm} of a connected local-LLM client (LM Studio, or Ollama as fallback;
 * the model services' `llm()`). The JSON schema is turned back into a zod schema
 * (`z.fromJSONSchema`) for the client's structured-output call, which sends it as
 * `response_format.json_schema` (LM Studio) or `format` (Ollama) and validates the answer
 * (LLM_002 when it does not match). Recorded as the client's model, provider and server.
 */
export function structuredLlmOf(client: LlmClient): StructuredLlm {
  return {
    model: { alias: client.model, provider: client.provider, server: client.baseUrl },
    complete: async (schema, messages, options) => {
      const completion = await client.chatStructured({
        messages,
        schema: z.fromJSONSchema(schema.schema as Parameters<typeof z.fromJSONSchema>[0]),
        schemaName: schema.name,
        ...(options?.signal ? { signal: options.signal } : {}),
      })
      return completion.value
    },
  }
}

/**
 * A text model on the local LLM (LM Studio / Ollama) with structured output: it answers the
 * request's messages with JSON for its schema; the tool arguments are not used. A local model
 * costs nothing per call.
 */
export class LlmTextProvider implements TextProvider {
  readonly preview = false
  readonly offline = false
  readonly entry = null
  readonly noCharge = 'local LLM: no per-call charge'
  readonly unusableAnswerCode = 'LLM_002'
  readonly label: string
  readonly cacheIdentity: string

  constructor(private readonly llm: StructuredLlm) {
    this.label = llm.model.alias
    this.cacheIdentity = `llm:${llm.model.provider}:${llm.model.alias}`
  }

  /** @throws KamuiError the LLM's errors; LLM_002 for any other failure of the call */
  async ask(request: TextRequest, options: TextCallOptions): Promise<TextAnswer> {
    const started = performance.now()
    let json: unknown
    try {
      json = await this.llm.complete(request.schema, request.messages, { signal: options.signal })
    } catch (error) {
      if (options.signal.aborted || isKamuiError(error)) throw error
      throw new KamuiError(
        'LLM_002',
        `the local LLM (${this.label}) failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      )
    }
    return {
      json,
      text: '',
      source: `the local LLM (${this.label})`,
      model: { ...this.llm.model, tool: null, workflow: null },
      generationMs: Math.round(performance.now() - started),
    }
  }
}
