import { deadlineSignal } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { QueuedJobError, type GenerationQueue } from '../../runner/generation-queue.js'
import type { ModelTelemetry } from '../../contracts/telemetry.js'
import { cacheKey, type KeyframeCache } from './cache.js'
import { cachedCost, type StepCost } from './costs.js'
import {
  labelSegments,
  type Story,
  type Storyboard,
  type StoryboardSegmentInput,
} from './storyboard.js'
import type { StoryWriter, WriterCall } from './story/types.js'

/** Story options asked for. */
export const STORY_OPTIONS = 3

/** What {@link writeStories} needs. */
export interface WriteStoriesOptions {
  writer: StoryWriter
  concept: string
  /** 1-based. */
  storyIndex: number
  segmentCount: number
  productImageCount: number
  cache: KeyframeCache
  queue: GenerationQueue
  signal: AbortSignal
  /** Deadline of one writer call, ms. */
  stepTimeoutMs: number
  logger: Logger
}

/** The stories, the chosen one's storyboard, and what they cost. */
export interface StoriesOutcome {
  stories: Story[]
  storyboard: Storyboard
  /** `stories.json`. */
  file: {
    preview: boolean
    writer: string
    model: ModelTelemetry
    concept: string
    chosen: number
    stories: Story[]
  }
  model: ModelTelemetry
  preview: boolean
  /** `story-generation` costs: the stories call and the storyboard call. */
  costs: StepCost[]
}

interface Cached<T> {
  value: T
  model: ModelTelemetry
}

/**
 * Writes (or takes from the cache) {@link STORY_OPTIONS} stories for the concept, picks the
 * `storyIndex`-th, and writes (or takes from the cache) its storyboard. Both calls run on the
 * generation queue (transient failures retried) under a step deadline.
 *
 * @throws KamuiError CFG_001 when `storyIndex` is beyond the stories written; the writer's
 *   error (LLM_*, GEN_001, the MCP codes) when a call fails for good
 */
export async function writeStories(o: WriteStoriesOptions): Promise<StoriesOutcome> {
  const costs: StepCost[] = []
  const stories = await cached(
    o,
    {
      step: 'stories',
      writer: o.writer.cacheIdentity,
      concept: o.concept,
      count: STORY_OPTIONS,
      productImageCount: o.productImageCount,
    },
    'stories',
    (signal) =>
      o.writer.writeStories(
        { concept: o.concept, count: STORY_OPTIONS, productImageCount: o.productImageCount },
        signal,
      ),
    costs,
  )
  if (o.storyIndex > stories.value.length) {
    throw new KamuiError(
      'CFG_001',
      `story-index is ${o.storyIndex}, but ${o.writer.label} wrote ${stories.value.length} stories.`,
    )
  }
  const story = stories.value[o.storyIndex - 1] as Story
  const board = await cached(
    o,
    {
      step: 'storyboard',
      writer: o.writer.cacheIdentity,
      concept: o.concept,
      story,
      segmentCount: o.segmentCount,
    },
    'storyboard',
    (signal) =>
      o.writer.writeStoryboard({ concept: o.concept, story, segmentCount: o.segmentCount }, signal),
    costs,
  )
  o.logger.info(
    `Story ${o.storyIndex} of ${stories.value.length}: "${story.title}" (${o.writer.label}).`,
  )
  return {
    stories: stories.value,
    storyboard: {
      source: 'generated',
      concept: o.concept,
      story,
      segments: labelSegments(board.value),
    },
    file: {
      preview: o.writer.preview,
      writer: o.writer.label,
      model: stories.model,
      concept: o.concept,
      chosen: o.storyIndex,
      stories: stories.value,
    },
    model: stories.model,
    preview: o.writer.preview,
    costs,
  }
}

async function cached<T extends Story[] | StoryboardSegmentInput[]>(
  o: WriteStoriesOptions,
  keyParts: Record<string, unknown>,
  what: string,
  call: (signal: AbortSignal) => Promise<WriterCall<T>>,
  costs: StepCost[],
): Promise<Cached<T>> {
  const key = cacheKey(keyParts)
  const hit = o.cache.enabled ? await o.cache.get<Cached<T>>('story', key) : undefined
  if (hit) {
    costs.push(cachedCost('story-generation'))
    return hit
  }
  const deadline = deadlineSignal(o.stepTimeoutMs, `Writing the ${what} (frame-timeout)`, o.signal)
  try {
    const answer = await o.queue.run(
      o.writer.label,
      `${what} (${o.writer.label})`,
      deadline.signal,
      ({ signal }) => call(signal),
    )
    costs.push(answer.value.cost)
    const value = { value: answer.value.value, model: answer.value.model }
    await o.cache.put('story', key, value)
    return value
  } catch (error) {
    throw error instanceof QueuedJobError ? error.error : error
  } finally {
    deadline.clear()
  }
}
