import { z } from 'zod'
import type { LlmClient } from '../../../providers/llm/types.js'
import type { InjectedLlm } from './types.js'

/**
 * The keyframes stage's {@link InjectedLlm} over a connected local-LLM client (LM Studio, or
 * Ollama as fallback; the model services' `llm()`). The stage's JSON schema is turned back into a zod
 * schema (`z.fromJSONSchema`) for the client's structured-output call, which sends it as
 * `response_format.json_schema` (LM Studio) or `format` (Ollama) and validates the answer
 * (LLM_002 when it does not match); the stage then validates the value with its own schemas.
 * Recorded as the client's model, provider and server.
 */
export function injectedLlmOf(client: LlmClient): InjectedLlm {
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
