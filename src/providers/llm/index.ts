/**
 * The local LLM (SPEC §3.3): LM Studio with Ollama as fallback, behind one {@link LlmClient}
 * interface, and its uses for image prompts (translation, enhancement). The vision-model
 * scorer is in `../quality/scorers/vision-scorer.ts`.
 */
export type {
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  ImagePart,
  LlmClient,
  LlmModelInfo,
  LlmProvider,
  LlmTimeouts,
  LlmUsage,
  ModelPurpose,
  StructuredChatRequest,
  StructuredCompletion,
  TextPart,
} from './types.js'
export { DEFAULT_LLM_TIMEOUTS } from './call-deadline.js'
export {
  createLlmClient,
  DEFAULT_LMSTUDIO_URL,
  DEFAULT_OLLAMA_URL,
  DEFAULT_PROBE_TIMEOUT_MS,
  type CreateLlmClientOptions,
} from './create.js'
export { LmStudioClient } from './lmstudio.js'
export { OllamaClient } from './ollama.js'
export { jsonSchemaOf, parseStructured } from './structured.js'
export {
  LLM_INPUTS,
  parseLlmInputs,
  VISION_SCORER_ALIAS,
  type LlmOptions,
  type TranslateMode,
} from './inputs.js'
export { guessLanguage, NON_LATIN_THRESHOLD, type LanguageGuess } from './language.js'
export { translatePrompt, type LlmSource, type TranslationResult } from './translate.js'
export { enhancePrompt, type EnhancementResult } from './enhance.js'
export { preparePrompt, type PreparedPrompt, type PreparePromptDeps } from './prepare-prompt.js'
export { PromptPreparationSchema, type PromptPreparation } from './report.js'
