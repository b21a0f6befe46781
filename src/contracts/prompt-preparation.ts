import { z } from 'zod'

/**
 * The `prompt_preparation` record of a generation report: what happened to the prompt before
 * it reached the image model (translation, enhancement) and which local LLM did it. The
 * original prompt is always kept; `sent_to_model` is what the model received.
 */
export const PromptPreparationSchema = z.object({
  /** The prompt as the user gave it. */
  original: z.string(),
  /** The prompt the image model received (the original when nothing was changed). */
  sent_to_model: z.string(),
  translation: z.object({
    /** The `translate-prompt` setting. */
    mode: z.enum(['auto', 'always', 'off']),
    /** The model's `source_language` when it translated, else the script heuristic's guess. */
    detected_language: z.string(),
    /** How the heuristic decided (named as a heuristic, with the share of non-Latin letters). */
    detection: z.string(),
    /** The English prompt, or null when not translated. */
    translated: z.string().nullable(),
    /** `<provider>:<model>` that translated, or null. */
    translated_by: z.string().nullable(),
    /** Why it was not translated, or null. */
    skipped: z.string().nullable(),
  }),
  /** Null when `enhance-prompt` is false. */
  enhancement: z
    .object({
      /** The prompt the enhancer was given (the translation when there was one). */
      input: z.string(),
      enhanced: z.string(),
      /** `<provider>:<model>`. */
      enhanced_by: z.string(),
    })
    .nullable(),
  /** The local LLM used; null when none was contacted. */
  llm: z
    .object({
      /** `lmstudio` or `ollama`. */
      provider: z.enum(['lmstudio', 'ollama']),
      /** Base URL of the server. */
      server: z.string(),
      /** The default model on it. */
      model: z.string(),
      /** Set when Ollama was used because LM Studio was down. */
      fallback_from: z
        .object({
          provider: z.enum(['lmstudio', 'ollama']),
          server: z.string(),
          reason: z.string(),
        })
        .nullable(),
    })
    .nullable(),
})
export type PromptPreparation = z.infer<typeof PromptPreparationSchema>
