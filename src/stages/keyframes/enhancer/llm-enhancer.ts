import { z } from 'zod'
import { KamuiError, errorMessage, isKamuiError } from '../../../core/errors.js'
import { noChargeCost } from '../costs.js'
import type { InjectedLlm, LlmJsonSchema } from '../story/types.js'
import type { EnhanceRequest, EnhanceResult, KeyframeEnhancer } from './types.js'

const AnswerSchema = z.object({ composition: z.string().trim().min(20).max(8000) })

const SCHEMA: LlmJsonSchema = {
  name: 'keyframe_composition',
  description: 'the detailed composition of one keyframe',
  schema: z.toJSONSchema(AnswerSchema) as Record<string, unknown>,
}

const SYSTEM =
  'You are a director of photography writing precise compositions for keyframes of product videos. ' +
  'Answer in English, as JSON { "composition": "…" }.'

/**
 * An enhancer on the local LLM (LM Studio / Ollama) through the injected structured-output
 * call. A text model does not see the product photos: the prompt tells it how many there are
 * and that the product must match them; the image model gets the photos themselves.
 */
export class LlmEnhancer implements KeyframeEnhancer {
  readonly preview = false
  readonly label: string
  readonly cacheIdentity: string

  constructor(private readonly llm: InjectedLlm) {
    this.label = llm.model.alias
    this.cacheIdentity = `llm:${llm.model.provider}:${llm.model.alias}`
  }

  async enhance(request: EnhanceRequest): Promise<EnhanceResult> {
    const started = performance.now()
    let value: unknown
    try {
      value = await this.llm.complete(
        SCHEMA,
        [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: request.prompt.prompt },
        ],
        { signal: request.signal },
      )
    } catch (error) {
      if (request.signal.aborted || isKamuiError(error)) throw error
      throw new KamuiError(
        'LLM_002',
        `the local LLM (${this.label}) failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      )
    }
    const parsed = AnswerSchema.safeParse(value)
    if (!parsed.success) {
      throw new KamuiError(
        'LLM_002',
        `the local LLM (${this.label}) answered without a usable composition (expected { "composition": "…" } of 20–8000 characters).`,
      )
    }
    return {
      composition: parsed.data.composition,
      model: { ...this.llm.model, tool: null, workflow: null },
      generationMs: Math.round(performance.now() - started),
      cost: noChargeCost('nanobanana-enhancement', 'local LLM: no per-call charge'),
    }
  }
}
