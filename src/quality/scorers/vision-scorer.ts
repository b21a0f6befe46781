import { z } from 'zod'
import { abortReason, deadlineSignal } from '../../core/abort.js'
import { isKamuiError, KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { createLlmClient } from '../../providers/llm/create.js'
import { normaliseBaseUrl } from '../../providers/llm/http.js'
import type { LlmOptions } from '../../providers/llm/inputs.js'
import { LmStudioClient } from '../../providers/llm/lmstudio.js'
import type { LlmClient } from '../../providers/llm/types.js'
import type { ScoredDimension, Scorer, ScorerResult, ScoreRequest } from '../types.js'

/**
 * The local vision-model scorer (SPEC §5 "Quality": "a vision model through LM Studio"),
 * filling {@link VisionScorerSlot}: the image goes to a vision model as a
 * `data:image/png;base64,…` URL in an OpenAI-style `image_url` content part (Ollama: `images`),
 * with the prompt, and the model must answer `{alignment, aesthetic}`, each a number in 0–1,
 * through JSON-schema structured output. The numbers are the model's own judgement: nothing
 * is defaulted, rounded up or guessed.
 */

/**
 * What the local vision-model scorer is, on top of {@link Scorer}:
 * - `score` sends the PNG and the prompt to the vision model and resolves with `alignment` and
 *   / or `aesthetic` as finite numbers in 0–1 that the model actually returned (parsed from its
 *   answer, rescaled from the scale the prompt asked for); never a default or a guess. An answer
 *   it cannot parse is a rejection (a `KamuiError` GEN_001 naming what was wrong), which
 *   `assessImage` reports as "not measured" with that reason.
 * - `source` names the server and the model, e.g. `lmstudio:qwen2.5-vl-7b at http://127.0.0.1:1234`.
 * - it honours `request.signal` (rejecting with the signal's reason) and needs no GPU in tests:
 *   it is tested against a fake OpenAI-compatible HTTP server.
 */
export interface VisionScorerSlot extends Scorer {
  /** Which backend fills the slot. */
  readonly kind: 'vision'
  /** The vision model's id on the server (e.g. the LM Studio model key). */
  readonly model: string
}

/** Options of {@link createVisionScorer}. */
export interface VisionScorerOptions {
  /** Base URL of the OpenAI-compatible server, e.g. `http://127.0.0.1:1234/v1`. */
  baseUrl: string
  /** The vision model's id. */
  model: string
  /** Limit of one scoring request in ms. */
  timeoutMs?: number
}

/** The factory signature of {@link createVisionScorer}. */
export type VisionScorerFactory = (options: VisionScorerOptions) => VisionScorerSlot

/** The answer asked of the vision model: both scores on the 0–1 scale the prompt names. */
export const VisionScoresSchema = z.object({
  alignment: z
    .number()
    .min(0)
    .max(1)
    .describe('How completely and accurately the image shows what the prompt asks for, 0–1'),
  aesthetic: z
    .number()
    .min(0)
    .max(1)
    .describe('Visual quality: composition, lighting, colour, detail, no artefacts, 0–1'),
})

/** Instructions of the scoring request. */
export const VISION_SYSTEM_PROMPT =
  'You are a strict judge of images made by a text-to-image model. You get the prompt and the ' +
  'image. Rate two things on a scale from 0 to 1 and use the whole range: "alignment", how ' +
  'completely and accurately the image shows what the prompt asks for (subjects, attributes, ' +
  'counts, setting, style; 0 = unrelated, 1 = everything present and correct), and ' +
  '"aesthetic", the visual quality (composition, lighting, colour, detail, absence of ' +
  'artefacts; 0 = very poor, 1 = excellent). Answer only with JSON: ' +
  '{"alignment": <0..1>, "aesthetic": <0..1>}.'

/** Options of {@link VisionScorer}. */
export interface VisionScorerClassOptions {
  /** Limit of one scoring request, ms, on top of the client's deadlines (default: none). */
  timeoutMs?: number
  logger?: Logger
}

/** The vision-model scorer on any {@link LlmClient} (LM Studio, or the Ollama fallback). */
export class VisionScorer implements VisionScorerSlot {
  readonly kind = 'vision' as const
  readonly name = 'vision'
  readonly dimensions: readonly ScoredDimension[] = ['alignment', 'aesthetic']
  private readonly logger: Logger

  /**
   * @param client the connected server
   * @param model the vision model's id on it (see `LlmClient.resolveModel(…, 'vision')`)
   */
  constructor(
    private readonly client: LlmClient,
    readonly model: string,
    private readonly options: VisionScorerClassOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger
  }

  /**
   * Scores one image.
   *
   * @returns `alignment` and `aesthetic` in 0–1 as the model answered them, with `source`
   *   `<provider>:<model> at <server>`
   * @throws KamuiError GEN_001 when the answer is empty, not JSON or not two numbers in 0–1
   *   (naming what was wrong); LLM_001 / LLM_003 when the server is down or lacks the model;
   *   IMG_003 when `timeoutMs` passes; the signal's reason when `request.signal` aborts
   */
  async score(request: ScoreRequest): Promise<ScorerResult> {
    const deadline = this.options.timeoutMs
      ? deadlineSignal(
          this.options.timeoutMs,
          `Vision scoring with "${this.model}"`,
          request.signal,
        )
      : undefined
    const signal = deadline?.signal ?? request.signal
    const source = `${this.client.provider}:${this.model} at ${this.client.baseUrl}`
    try {
      const answer = await this.client.chatStructured({
        model: this.model,
        schema: VisionScoresSchema,
        schemaName: 'image_scores',
        temperature: 0,
        maxTokens: 256,
        signal,
        messages: [
          { role: 'system', content: VISION_SYSTEM_PROMPT },
          {
            role: 'user',
            content: [
              { type: 'text', text: `Prompt: ${request.prompt}` },
              {
                type: 'image_url',
                image_url: { url: `data:image/png;base64,${request.png.toString('base64')}` },
              },
            ],
          },
        ],
      })
      this.logger.debug(
        `Vision scorer ${source}: alignment ${answer.value.alignment}, aesthetic ` +
          `${answer.value.aesthetic} in ${answer.totalMs} ms.`,
      )
      return { alignment: answer.value.alignment, aesthetic: answer.value.aesthetic, source }
    } catch (error) {
      if (request.signal.aborted) throw abortReason(request.signal)
      if (isKamuiError(error, 'LLM_002')) {
        throw new KamuiError('GEN_001', `Vision scorer ${source}: ${error.detail}`, {
          cause: error,
        })
      }
      throw error
    } finally {
      deadline?.clear()
    }
  }
}

/**
 * The {@link VisionScorerFactory} of the quality interface: a scorer on the LM Studio server at
 * `options.baseUrl` (with or without `/v1`) with `options.model`. It does not contact the
 * server until the first `score`.
 *
 * @throws KamuiError CFG_001 for a malformed URL
 */
export const createVisionScorer: VisionScorerFactory = (
  options: VisionScorerOptions,
): VisionScorer => {
  const baseUrl = normaliseBaseUrl(options.baseUrl, 'llm-url')
  const client = new LmStudioClient({ baseUrl, model: options.model, modelInput: 'vision-model' })
  return new VisionScorer(client, options.model, {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  })
}

/** Dependencies of {@link visionScorerFromOptions}. */
export interface VisionScorerDeps {
  /** An already connected client (e.g. from prompt preparation), reused instead of a new one. */
  client?: LlmClient
  logger?: Logger
  signal?: AbortSignal
}

/**
 * The vision scorer of a stage's LLM options (`quality-scorer: vision`): reuses `deps.client`
 * or connects (LM Studio, else Ollama), then resolves `vision-model` (empty: the first vision
 * model, type `vlm`, the server lists).
 *
 * @throws KamuiError LLM_001 when no server answers; LLM_003 when the vision model is unknown
 *   or the server lists no vision model
 */
export async function visionScorerFromOptions(
  options: LlmOptions,
  deps: VisionScorerDeps = {},
): Promise<VisionScorer> {
  const logger = deps.logger ?? silentLogger
  const client =
    deps.client ??
    (await createLlmClient({
      lmStudioUrl: options.lmStudioUrl,
      ollamaUrl: options.ollamaUrl,
      model: options.visionModel,
      ollamaModel: options.visionModel ?? options.ollamaModel,
      purpose: 'vision',
      timeouts: { firstTokenMs: options.firstTokenTimeoutMs },
      logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
    }))
  const model = deps.client
    ? await client.resolveModel(options.visionModel, 'vision', deps.signal)
    : client.model
  logger.info(`Quality scorer "vision": ${client.provider}:${model} at ${client.baseUrl}.`)
  return new VisionScorer(client, model, { logger })
}
