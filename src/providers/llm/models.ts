import { KamuiError } from '../../core/errors.js'
import type { LlmModelInfo, LlmProvider, ModelPurpose } from './types.js'

/** Display names of the providers in messages. */
export const PROVIDER_NAMES: Record<LlmProvider, string> = {
  lmstudio: 'LM Studio',
  ollama: 'Ollama',
}

/** Model types fit for each purpose (`unknown` is accepted for chat: the server did not say). */
const FIT: Record<ModelPurpose, readonly LlmModelInfo['type'][]> = {
  chat: ['llm', 'vlm', 'unknown'],
  vision: ['vlm'],
  embeddings: ['embeddings'],
}

/**
 * Whether `id` names `model`: exactly, case-insensitively, or (Ollama) without the implicit
 * `:latest` tag (`llama3.2` is `llama3.2:latest`).
 */
export function sameModel(id: string, model: LlmModelInfo): boolean {
  const a = id.trim().toLowerCase()
  const b = model.id.toLowerCase()
  return a === b || `${a}:latest` === b
}

/**
 * Picks the model for a request from the server's list (see `LlmClient.resolveModel`):
 *
 * - `requested` given: the listed model it names (its listed id is returned), whatever its
 *   type (the user chose it);
 * - none given: the first **loaded** model fit for `purpose`, else the first fit one (LM Studio
 *   and Ollama load it just in time).
 *
 * @throws KamuiError LLM_003 naming the server and listing every model with its type and state
 */
export function pickModel(
  models: readonly LlmModelInfo[],
  requested: string | undefined,
  purpose: ModelPurpose,
  where: { provider: LlmProvider; baseUrl: string; input?: string },
): string {
  const server = `${PROVIDER_NAMES[where.provider]} at ${where.baseUrl}`
  const wanted = requested?.trim()
  if (wanted) {
    const found = models.find((m) => sameModel(wanted, m))
    if (found) return found.id
    throw new KamuiError(
      'LLM_003',
      `Model "${wanted}" is not available on ${server}. ${availableText(models)} ` +
        `Set ${where.input ?? 'the model'} to one of them, or ` +
        (where.provider === 'ollama'
          ? `pull it first (ollama pull ${wanted}).`
          : `download it in LM Studio (lms get ${wanted}).`),
    )
  }
  const fit = models.filter((m) => FIT[purpose].includes(m.type))
  const chosen = fit.find((m) => m.state === 'loaded') ?? fit[0]
  if (chosen) return chosen.id
  const kind =
    purpose === 'vision'
      ? 'vision model (type vlm)'
      : purpose === 'embeddings'
        ? 'embedding model'
        : 'chat model'
  throw new KamuiError(
    'LLM_003',
    `${server} has no ${kind}. ${availableText(models)} ` +
      `Name one with ${where.input ?? 'the model option'}, or download one.`,
  )
}

/** `Available models: a (llm, loaded), b (vlm, not-loaded).` or `It lists no models.` */
export function availableText(models: readonly LlmModelInfo[]): string {
  if (models.length === 0) return 'It lists no models.'
  const shown = models.slice(0, 30).map((m) => {
    const facts = [m.type, m.state].filter((f) => f !== 'unknown')
    return facts.length ? `${m.id} (${facts.join(', ')})` : m.id
  })
  const more = models.length > 30 ? ` and ${models.length - 30} more` : ''
  return `Available models: ${shown.join(', ')}${more}.`
}
