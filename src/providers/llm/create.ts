import { abortReason } from '../../core/abort.js'
import { errorMessage, KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import type { LlmClientOptions } from './base-client.js'
import { normaliseBaseUrl } from './http.js'
import { LmStudioClient } from './lmstudio.js'
import { pickModel, PROVIDER_NAMES } from './models.js'
import { OllamaClient } from './ollama.js'
import type { LlmClient, LlmProvider, LlmTimeouts, ModelPurpose } from './types.js'

/** Default LM Studio server (LM Studio docs: port 1234). */
export const DEFAULT_LMSTUDIO_URL = 'http://127.0.0.1:1234'
/** Default Ollama server (Ollama docs: port 11434). */
export const DEFAULT_OLLAMA_URL = 'http://127.0.0.1:11434'
/** Default limit of the health check of each server, ms. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000

/** Options of {@link createLlmClient}. */
export interface CreateLlmClientOptions {
  /** LM Studio base URL (with or without `/v1`); empty or undefined: LM Studio is not tried. */
  lmStudioUrl: string | undefined
  /** Ollama base URL; empty or undefined: no fallback. */
  ollamaUrl: string | undefined
  /** Model id on LM Studio (and on Ollama unless `ollamaModel` is set); empty: a default for `purpose`. */
  model?: string | undefined
  /** Model id on Ollama; empty: `model`. */
  ollamaModel?: string | undefined
  /** What the default model is for (default `chat`). */
  purpose?: ModelPurpose
  timeouts?: Partial<LlmTimeouts>
  /** Limit of each server's health check, ms (default {@link DEFAULT_PROBE_TIMEOUT_MS}). */
  probeTimeoutMs?: number
  logger?: Logger
  signal?: AbortSignal
}

/**
 * Connects to the local LLM: LM Studio first, Ollama when LM Studio is down.
 *
 * 1. Health check of LM Studio: its model list (`GET /api/v0/models`, else `GET /v1/models`)
 *    within `probeTimeoutMs`. Any failure (connection refused, timeout, HTTP error, garbage)
 *    counts as down.
 * 2. Up: the model is resolved against the list (`model`, or the first loaded chat model) and
 *    an LM Studio client is returned. A `model` the server does not have is an LLM_003 error
 *    listing the available models; it does **not** fall back to Ollama (the server is up and
 *    the configuration is wrong).
 * 3. Down: the same with Ollama (`GET /api/tags`); the client's `fallbackFrom` says which
 *    LM Studio URL was down and why, and a warning is logged.
 *
 * @throws KamuiError CFG_001 for a malformed URL; LLM_001 when no server answers (the message
 *   names each URL and what failed); LLM_003 for an unknown model; the signal's reason
 */
export async function createLlmClient(options: CreateLlmClientOptions): Promise<LlmClient> {
  const logger = options.logger ?? silentLogger
  const purpose = options.purpose ?? 'chat'
  const lmStudioUrl = options.lmStudioUrl?.trim()
    ? normaliseBaseUrl(options.lmStudioUrl, 'llm-url')
    : undefined
  const ollamaUrl = options.ollamaUrl?.trim()
    ? normaliseBaseUrl(options.ollamaUrl, 'ollama-url')
    : undefined
  if (!lmStudioUrl && !ollamaUrl) {
    throw new KamuiError(
      'CFG_001',
      'No local LLM server is configured (llm-url and ollama-url are both none): set llm-url ' +
        '(LM Studio) or ollama-url (Ollama).',
    )
  }
  const failures: string[] = []
  let fallbackFrom: LlmClient['fallbackFrom'] = null
  const common = { timeouts: options.timeouts, logger }

  if (lmStudioUrl) {
    const model = options.model?.trim() || undefined
    const probe = await connect('lmstudio', lmStudioUrl, options)
    if ('client' in probe) {
      const id = pickModel(probe.models, model, purpose, {
        provider: 'lmstudio',
        baseUrl: lmStudioUrl,
        input: 'llm-model',
      })
      logger.info(`Local LLM: LM Studio at ${lmStudioUrl}, model "${id}".`)
      return new LmStudioClient({ baseUrl: lmStudioUrl, model: id, ...common })
    }
    failures.push(`LM Studio at ${lmStudioUrl}: ${probe.reason}`)
    fallbackFrom = { provider: 'lmstudio', baseUrl: lmStudioUrl, reason: probe.reason }
  }

  if (ollamaUrl) {
    const model = options.ollamaModel?.trim() || options.model?.trim() || undefined
    const input = options.ollamaModel?.trim() ? 'ollama-model' : 'llm-model (or ollama-model)'
    const probe = await connect('ollama', ollamaUrl, options)
    if ('client' in probe) {
      const id = pickModel(probe.models, model, purpose, {
        provider: 'ollama',
        baseUrl: ollamaUrl,
        input,
      })
      if (fallbackFrom) {
        logger.warn(
          `LM Studio at ${fallbackFrom.baseUrl} is down (${fallbackFrom.reason}); using the ` +
            `Ollama fallback at ${ollamaUrl}, model "${id}".`,
        )
      } else {
        logger.info(`Local LLM: Ollama at ${ollamaUrl}, model "${id}".`)
      }
      return new OllamaClient({
        baseUrl: ollamaUrl,
        model: id,
        fallbackFrom,
        modelInput: input,
        ...common,
      })
    }
    failures.push(`Ollama at ${ollamaUrl}: ${probe.reason}`)
  }

  throw new KamuiError(
    'LLM_001',
    `No local LLM server answered (${failures.join('; ')}). Start LM Studio's server ` +
      '(lms server start) or Ollama (ollama serve) on this runner, point llm-url / ollama-url ' +
      'at them, or turn the LLM options off (translate-prompt: off, enhance-prompt: false).',
  )
}

/** The health check of one server: its client (model not yet chosen) and model list, or why not. */
async function connect(
  provider: LlmProvider,
  baseUrl: string,
  options: CreateLlmClientOptions,
): Promise<
  { client: LlmClient; models: Awaited<ReturnType<LlmClient['listModels']>> } | { reason: string }
> {
  const probeMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(
        new KamuiError(
          'LLM_001',
          `${PROVIDER_NAMES[provider]} did not answer within ${probeMs} ms`,
        ),
      ),
    probeMs,
  )
  const signal = options.signal
    ? AbortSignal.any([controller.signal, options.signal])
    : controller.signal
  const clientOptions: LlmClientOptions = { baseUrl, model: '', logger: options.logger }
  const client =
    provider === 'lmstudio' ? new LmStudioClient(clientOptions) : new OllamaClient(clientOptions)
  try {
    return { client, models: await client.listModels(signal) }
  } catch (error) {
    if (options.signal?.aborted) throw abortReason(options.signal)
    const reason =
      error instanceof KamuiError ? error.detail.replace(/^.*? at \S+?: /, '') : errorMessage(error)
    return { reason: reason.replace(/\.$/, '') }
  } finally {
    clearTimeout(timer)
  }
}
