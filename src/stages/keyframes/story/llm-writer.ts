import { KamuiError, errorMessage, isKamuiError } from '../../../core/errors.js'
import type { ModelTelemetry } from '../../../contracts/telemetry.js'
import { noChargeCost } from '../costs.js'
import type { Story, StoryboardSegmentInput } from '../storyboard.js'
import {
  storiesJsonSchema,
  storiesMessages,
  storyboardJsonSchema,
  storyboardMessages,
  validateStories,
  validateStoryboard,
} from './prompts.js'
import type {
  InjectedLlm,
  StoryboardRequest,
  StoryRequest,
  StoryWriter,
  WriterCall,
} from './types.js'

/**
 * Stories and storyboards written by the local LLM (LM Studio, or Ollama as fallback) through
 * the injected structured-output call; answers are validated with the stage's zod schemas.
 * A local model costs nothing per call.
 */
export class LlmStoryWriter implements StoryWriter {
  readonly preview = false
  readonly label: string
  readonly cacheIdentity: string

  constructor(private readonly llm: InjectedLlm) {
    this.label = llm.model.alias
    this.cacheIdentity = `llm:${llm.model.provider}:${llm.model.alias}`
  }

  async writeStories(request: StoryRequest, signal: AbortSignal): Promise<WriterCall<Story[]>> {
    const { value, ms } = await this.call(
      storiesJsonSchema(request.count),
      storiesMessages(request),
      signal,
    )
    return this.result(validateStories(value, `the local LLM (${this.label})`, 'LLM_002'), ms)
  }

  async writeStoryboard(
    request: StoryboardRequest,
    signal: AbortSignal,
  ): Promise<WriterCall<StoryboardSegmentInput[]>> {
    const { value, ms } = await this.call(
      storyboardJsonSchema(request.segmentCount),
      storyboardMessages(request),
      signal,
    )
    const segments = validateStoryboard(
      value,
      request.segmentCount,
      `the local LLM (${this.label})`,
      'LLM_002',
    )
    return this.result(segments, ms)
  }

  private async call(
    schema: Parameters<InjectedLlm['complete']>[0],
    messages: Parameters<InjectedLlm['complete']>[1],
    signal: AbortSignal,
  ): Promise<{ value: unknown; ms: number }> {
    const started = performance.now()
    try {
      const value = await this.llm.complete(schema, messages, { signal })
      return { value, ms: Math.round(performance.now() - started) }
    } catch (error) {
      if (signal.aborted || isKamuiError(error)) throw error
      throw new KamuiError(
        'LLM_002',
        `the local LLM (${this.label}) failed: ${errorMessage(error)}`,
        {
          cause: error,
        },
      )
    }
  }

  private result<T>(value: T, ms: number): WriterCall<T> {
    const model: ModelTelemetry = { ...this.llm.model, tool: null, workflow: null }
    return {
      value,
      model,
      generationMs: ms,
      cost: noChargeCost('story-generation', 'local LLM: no per-call charge'),
    }
  }
}
