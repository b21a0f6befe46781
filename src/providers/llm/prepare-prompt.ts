import { silentLogger, type Logger } from '../../core/logger.js'
import { createLlmClient, type CreateLlmClientOptions } from './create.js'
import { enhancePrompt, type EnhancementResult } from './enhance.js'
import type { LlmOptions } from './inputs.js'
import type { PromptPreparation } from '../../contracts/prompt-preparation.js'
import { translatePrompt } from './translate.js'
import type { LlmClient, LlmProvider } from './types.js'

/** Dependencies of {@link preparePrompt}. */
export interface PreparePromptDeps {
  /** Connects the LLM (default {@link createLlmClient}); called at most once, only when needed. */
  createClient?: (options: CreateLlmClientOptions) => Promise<LlmClient>
  logger?: Logger
  signal?: AbortSignal
}

/** The prompt to generate from, and how it was made. */
export interface PreparedPrompt {
  /** What goes to the image model. */
  prompt: string
  /** The prompt as given. */
  original: string
  /** The English translation, when there was one. */
  translated?: string
  /** The enhanced prompt, when enhancement ran. */
  enhanced?: string
  /** Which server answered, when an LLM was used. */
  llmProvider?: LlmProvider
  /** The connected client, when one was needed (reuse it, e.g. for the vision scorer). */
  client?: LlmClient
  /** The report record (`prompt_preparation`). */
  record: PromptPreparation
}

/**
 * Prepares an image prompt before generation: translation (`translate-prompt`), then
 * enhancement (`enhance-prompt`) of the translated text. The LLM is connected lazily (LM
 * Studio, else the Ollama fallback), so with `translate-prompt: off` or `auto` on an English
 * prompt, and no enhancement, no server is contacted at all.
 *
 * @throws KamuiError LLM_001 when a step needs an LLM and none answers; LLM_003 for an unknown
 *   model; LLM_002 for an unusable answer; the signal's reason
 */
export async function preparePrompt(
  prompt: string,
  options: LlmOptions,
  deps: PreparePromptDeps = {},
): Promise<PreparedPrompt> {
  const logger = deps.logger ?? silentLogger
  const create = deps.createClient ?? createLlmClient
  let connecting: Promise<LlmClient> | undefined
  const connect = (): Promise<LlmClient> => {
    connecting ??= create({
      lmStudioUrl: options.lmStudioUrl,
      ollamaUrl: options.ollamaUrl,
      model: options.model,
      ollamaModel: options.ollamaModel,
      purpose: 'chat',
      timeouts: { firstTokenMs: options.firstTokenTimeoutMs },
      logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
    })
    return connecting
  }
  const signalOption = deps.signal ? { signal: deps.signal } : {}

  const translation = await translatePrompt(prompt, connect, {
    mode: options.translate,
    logger,
    ...signalOption,
  })
  const afterTranslation = translation.translated ?? prompt
  let enhancement: EnhancementResult | undefined
  if (options.enhance) {
    enhancement = await enhancePrompt(afterTranslation, connect, { logger, ...signalOption })
  }
  const client = connecting ? await connecting : undefined
  const final = enhancement?.enhanced ?? afterTranslation

  const record: PromptPreparation = {
    original: prompt,
    sent_to_model: final,
    translation: {
      mode: options.translate,
      detected_language: translation.detectedLanguage,
      detection: translation.detection.method,
      translated: translation.translated,
      translated_by: translation.translatedBy,
      skipped: translation.skipped,
    },
    enhancement: enhancement
      ? {
          input: enhancement.original,
          enhanced: enhancement.enhanced,
          enhanced_by: enhancement.enhancedBy,
        }
      : null,
    llm: client
      ? {
          provider: client.provider,
          server: client.baseUrl,
          model: client.model,
          fallback_from: client.fallbackFrom
            ? {
                provider: client.fallbackFrom.provider,
                server: client.fallbackFrom.baseUrl,
                reason: client.fallbackFrom.reason,
              }
            : null,
        }
      : null,
  }
  return {
    prompt: final,
    original: prompt,
    ...(translation.translated !== null ? { translated: translation.translated } : {}),
    ...(enhancement ? { enhanced: enhancement.enhanced } : {}),
    ...(client ? { llmProvider: client.provider, client } : {}),
    record,
  }
}
