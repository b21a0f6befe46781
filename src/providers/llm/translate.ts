import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { shorten } from './http.js'
import type { TranslateMode } from './inputs.js'
import { guessLanguage, type LanguageGuess } from './language.js'
import type { LlmClient, LlmProvider } from './types.js'

/** An LLM client, or a function that connects one only when it is needed. */
export type LlmSource = LlmClient | (() => Promise<LlmClient>)

/** The structured answer asked of the model. */
export const TranslationSchema = z.object({
  source_language: z
    .string()
    .regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/, 'must be an ISO 639 code such as "ja"')
    .describe('ISO 639-1 code of the language the prompt was written in, e.g. "ja"'),
  english: z.string().trim().min(1).max(10_000).describe('The prompt translated into English'),
})

/** Instructions of the translation request. */
export const TRANSLATE_SYSTEM_PROMPT =
  'You translate prompts for a text-to-image model into English. Translate faithfully: keep ' +
  'every subject, attribute, colour, style, medium and proper name (romanise names), do not ' +
  'add, drop or explain anything, and keep comma-separated tag lists as tag lists. If the ' +
  'prompt is already in English, return it unchanged. Answer only with JSON: ' +
  '{"source_language": "<ISO 639-1 code>", "english": "<the translation>"}.'

/** Options of {@link translatePrompt}. */
export interface TranslateOptions {
  mode: TranslateMode
  signal?: AbortSignal
  logger?: Logger
}

/** What {@link translatePrompt} did. */
export interface TranslationResult {
  /** The prompt as given. */
  original: string
  /** The English prompt, or null when it was not translated. */
  translated: string | null
  /** `<provider>:<model>` that translated it (e.g. `lmstudio:qwen2.5-7b-instruct`), or null. */
  translatedBy: string | null
  provider: LlmProvider | null
  /**
   * The prompt's language: the model's `source_language` when it translated, else the
   * heuristic's guess (`en` for Latin-script text).
   */
  detectedLanguage: string
  /** The script heuristic's findings (see `language.ts`), always computed. */
  detection: LanguageGuess
  /** Why it was not translated (mode off, taken as English), or null. */
  skipped: string | null
}

/**
 * Translates an image prompt into English with the local LLM (structured output).
 *
 * - `off`: nothing is done and no LLM is contacted;
 * - `auto`: only prompts the script heuristic (`guessLanguage`) takes as not English are sent;
 *   English prompts never contact the LLM (so `llm` may be a lazy connector);
 * - `always`: every prompt is sent.
 *
 * The translation is checked with the same heuristic: an answer still mostly in a non-Latin
 * script is not a translation.
 *
 * @throws KamuiError LLM_001 / LLM_003 from connecting; LLM_002 when the answer is not the
 *   requested JSON or is not English; the signal's reason
 */
export async function translatePrompt(
  prompt: string,
  llm: LlmSource,
  options: TranslateOptions,
): Promise<TranslationResult> {
  const logger = options.logger ?? silentLogger
  const detection = guessLanguage(prompt)
  const untouched = (skipped: string): TranslationResult => ({
    original: prompt,
    translated: null,
    translatedBy: null,
    provider: null,
    detectedLanguage: detection.language,
    detection,
    skipped,
  })
  if (options.mode === 'off') return untouched('translate-prompt is off')
  if (options.mode === 'auto' && detection.english) {
    return untouched(`taken as English by the ${detection.method}`)
  }
  const client = typeof llm === 'function' ? await llm() : llm
  const answer = await client.chatStructured({
    schema: TranslationSchema,
    schemaName: 'prompt_translation',
    messages: [
      { role: 'system', content: TRANSLATE_SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
    temperature: 0,
    maxTokens: Math.min(4096, 256 + prompt.length * 4),
    ...(options.signal ? { signal: options.signal } : {}),
  })
  const english = answer.value.english
  const check = guessLanguage(english)
  if (!check.english) {
    throw new KamuiError(
      'LLM_002',
      `${client.provider} model "${answer.model}" did not translate the prompt into English: ` +
        `its answer "${shorten(english)}" is still mostly ${check.script} script (${check.method}).`,
    )
  }
  const by = `${client.provider}:${answer.model}`
  logger.info(
    `Prompt translated from ${answer.value.source_language} into English by ${by}: "${shorten(english)}".`,
  )
  return {
    original: prompt,
    translated: english,
    translatedBy: by,
    provider: client.provider,
    detectedLanguage: answer.value.source_language,
    detection,
    skipped: null,
  }
}
