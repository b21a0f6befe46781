import type { ModelTelemetry } from '../../../contracts/telemetry.js'
import type { StepCost } from '../costs.js'
import type { Story, StoryboardSegmentInput } from '../storyboard.js'

/** One chat message for the local LLM. */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** A JSON schema for structured output, with the name the OpenAI-style API wants. */
export interface LlmJsonSchema {
  /** Letters, digits, `_` and `-` (e.g. `keyframe_stories`). */
  name: string
  description: string
  /** A JSON Schema (draft 2020-12) object, from zod's `z.toJSONSchema`. */
  schema: Record<string, unknown>
}

/**
 * The local LLM as the keyframes stage needs it: one structured-output call. The adapter
 * connects it to the LM Studio / Ollama client (JSON-schema structured output); the stage
 * validates the answer with zod itself.
 *
 * @returns the parsed JSON value the model produced for `schema`
 * @throws KamuiError LLM_001 when no LLM server answers, LLM_002 when the answer is unusable,
 *   LLM_003 when the model is missing (whatever the client throws is recorded as the reason)
 */
export type StructuredLlmCall = (
  schema: LlmJsonSchema,
  messages: LlmMessage[],
  options?: { signal?: AbortSignal },
) => Promise<unknown>

/** The local LLM handed to the stage: the call and what to record about it. */
export interface InjectedLlm {
  complete: StructuredLlmCall
  /** For reports and telemetry, e.g. `{ alias: 'qwen2.5-7b-instruct', provider: 'lmstudio', server: 'http://127.0.0.1:1234' }`. */
  model: Pick<ModelTelemetry, 'alias' | 'provider' | 'server'>
}

/** What a story writer is asked for. */
export interface StoryRequest {
  concept: string
  /** Stories wanted (the stage asks for 3). */
  count: number
  /** Number of product reference images, mentioned to the writer. */
  productImageCount: number
}

/** What a storyboard is written from. */
export interface StoryboardRequest {
  concept: string
  story: Story
  /** Segments wanted: Hook, count − 2 bodies, CTA. */
  segmentCount: number
}

/** One answered writer call. */
export interface WriterCall<T> {
  value: T
  model: ModelTelemetry
  /** Model call time, ms. */
  generationMs: number
  cost: StepCost
}

/**
 * Who writes the stories and the storyboard. Implementations: an MCP tool of the model
 * registry ({@link McpStoryWriter}), the local LLM ({@link LlmStoryWriter}) and the offline
 * preview templates ({@link PreviewStoryWriter}).
 */
export interface StoryWriter {
  /** Recorded in reports: `preview`, the LLM's alias, or the registry alias. */
  readonly label: string
  /** True for template output that no model wrote. */
  readonly preview: boolean
  /** Everything about the writer that changes its answers (part of cache keys). */
  readonly cacheIdentity: string
  /**
   * Writes story options for a concept.
   *
   * @throws KamuiError when the writer fails or answers something that does not validate
   */
  writeStories(request: StoryRequest, signal: AbortSignal): Promise<WriterCall<Story[]>>
  /**
   * Writes the segments of a storyboard (Hook → Body… → CTA) for a story.
   *
   * @throws KamuiError when the writer fails or answers something that does not validate
   */
  writeStoryboard(
    request: StoryboardRequest,
    signal: AbortSignal,
  ): Promise<WriterCall<StoryboardSegmentInput[]>>
}
