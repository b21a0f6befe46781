import { z } from 'zod'
import { silentLogger, type Logger } from '../../core/logger.js'
import { shorten } from './http.js'
import type { LlmSource } from './translate.js'
import type { LlmProvider } from './types.js'

/** Longest enhanced prompt accepted, in characters (image models truncate long prompts). */
export const MAX_ENHANCED_LENGTH = 2000

/** The structured answer asked of the model. */
export const EnhancementSchema = z.object({
  prompt: z
    .string()
    .trim()
    .min(1)
    .max(MAX_ENHANCED_LENGTH)
    .describe('The improved image prompt, in English'),
})

/** Instructions of the enhancement request. */
export const ENHANCE_SYSTEM_PROMPT =
  'You improve prompts for a text-to-image model. Rewrite the prompt into one detailed English ' +
  'prompt of at most 120 words that names the subject, its setting, composition and camera ' +
  'framing, lighting, colour palette and style or medium. Keep every element of the original ' +
  'and do not contradict it; add no text, captions, logos or watermarks to the image; no ' +
  'lists, no explanations. Answer only with JSON: {"prompt": "<the improved prompt>"}.'

/** Options of {@link enhancePrompt}. */
export interface EnhanceOptions {
  signal?: AbortSignal
  logger?: Logger
}

/** What {@link enhancePrompt} returns. */
export interface EnhancementResult {
  /** The prompt it was given. */
  original: string
  /** The improved prompt. */
  enhanced: string
  /** `<provider>:<model>` that wrote it. */
  enhancedBy: string
  provider: LlmProvider
}

/**
 * Rewrites an image prompt into a more detailed one with the local LLM (structured output,
 * `{prompt}`, at most {@link MAX_ENHANCED_LENGTH} characters). Run it after translation: the
 * instructions ask for English.
 *
 * @throws KamuiError LLM_001 / LLM_003 from connecting; LLM_002 when the answer is not the
 *   requested JSON; the signal's reason
 */
export async function enhancePrompt(
  prompt: string,
  llm: LlmSource,
  options: EnhanceOptions = {},
): Promise<EnhancementResult> {
  const logger = options.logger ?? silentLogger
  const client = typeof llm === 'function' ? await llm() : llm
  const answer = await client.chatStructured({
    schema: EnhancementSchema,
    schemaName: 'image_prompt',
    messages: [
      { role: 'system', content: ENHANCE_SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
    temperature: 0.4,
    maxTokens: 768,
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const by = `${client.provider}:${answer.model}`
  logger.info(`Prompt enhanced by ${by}: "${shorten(answer.value.prompt)}".`)
  return {
    original: prompt,
    enhanced: answer.value.prompt,
    enhancedBy: by,
    provider: client.provider,
  }
}
