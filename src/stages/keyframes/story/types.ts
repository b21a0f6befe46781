import type { ModelTelemetry } from '../../../contracts/telemetry.js'
import type { StepCost } from '../costs.js'
import type { Story, StoryboardSegmentInput } from '../storyboard.js'

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
 * Who writes the stories and the storyboard. Implementations: a text model of the model
 * services, an MCP tool of the registry or the local LLM (`ModelStoryWriter`), and the offline
 * preview templates (`PreviewStoryWriter`).
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
