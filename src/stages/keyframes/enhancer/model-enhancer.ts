import { z } from 'zod'
import { KamuiError } from '../../../core/errors.js'
import type { TextAnswer, TextSchema } from '../../../providers/text/provider.js'
import { modelCost } from '../costs.js'
import { referenceUrls } from '../references.js'
import { TextModelStep } from '../text-model-step.js'
import type { EnhanceRequest, EnhanceResult, KeyframeEnhancer } from './types.js'

/** Keys a composition may come under in a JSON answer, in order of preference. */
const COMPOSITION_KEYS = [
  'composition',
  'enhanced_prompt',
  'enhancedPrompt',
  'prompt',
  'text',
  'output',
  'content',
]

const AnswerSchema = z.object({ composition: z.string().trim().min(20).max(8000) })

/** The structured answer asked of models that answer with JSON (the local LLM). */
const SCHEMA: TextSchema = {
  name: 'keyframe_composition',
  description: 'the detailed composition of one keyframe',
  schema: z.toJSONSchema(AnswerSchema) as Record<string, unknown>,
}

const SYSTEM =
  'You are a director of photography writing precise compositions for keyframes of product videos. ' +
  'Answer in English, as JSON { "composition": "…" }.'

/**
 * The enhancer: writes the composition of one frame with a text model of the model services
 * (an MCP tool such as `nano-banana`, the preview server's `preview_enhance_keyframe`
 * template, or the local LLM). An MCP tool receives, of these, the arguments its input schema
 * declares: `prompt` (the whole instruction), `image_urls` (the product references: the URLs
 * they were given as, or PNG data URLs), `aspect_ratio`, the prompt's named fields
 * (`frame_type`, `segment_description`, `next_segment_description`, …, see
 * `buildEnhancerPrompt`), plus the entry's `arguments`. The local LLM gets the instruction as
 * a chat with the JSON schema `{ composition }`; a text model does not see the photos, so the
 * prompt tells it how many there are. The composition is read from the JSON (`composition`,
 * `enhanced_prompt`, `prompt`, `text`, `output` or `content`), else the whole text.
 */
export class ModelEnhancer extends TextModelStep implements KeyframeEnhancer {
  /**
   * @throws KamuiError the text model's errors; its unusable-answer code (GEN_001 for tools,
   *   LLM_002 for the local LLM) when the answer holds no composition
   */
  async enhance(request: EnhanceRequest): Promise<EnhanceResult> {
    const { text } = this
    const answer = await text.ask(
      {
        messages: [
          { role: 'system', content: SYSTEM },
          { role: 'user', content: request.prompt.prompt },
        ],
        schema: SCHEMA,
        toolArgs: {
          ...request.prompt.fields,
          prompt: request.prompt.prompt,
          image_urls: referenceUrls(request.references, text.offline),
          aspect_ratio: request.aspectRatio,
        },
      },
      { signal: request.signal, logger: this.logger },
    )
    return {
      composition: readComposition(answer, text.unusableAnswerCode),
      model: answer.model,
      generationMs: answer.generationMs,
      cost: modelCost('nanobanana-enhancement', text),
    }
  }
}

/**
 * The composition in an answer.
 *
 * @throws KamuiError `code` when it is empty
 */
export function readComposition(
  answer: Pick<TextAnswer, 'json' | 'text' | 'source'>,
  code: 'GEN_001' | 'LLM_002',
): string {
  let found: string | undefined
  const { json } = answer
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const record = json as Record<string, unknown>
    const key = COMPOSITION_KEYS.find(
      (k) => typeof record[k] === 'string' && (record[k] as string).trim() !== '',
    )
    if (key) found = record[key] as string
  }
  found ??= answer.text
  const clean = found.trim()
  if (clean === '') throw new KamuiError(code, `${answer.source} answered without a composition.`)
  return clean
}
