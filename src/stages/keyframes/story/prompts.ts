import { z } from 'zod'
import { KamuiError, type ErrorCode } from '../../../core/errors.js'
import {
  describeZodIssues,
  expectedType,
  StoryboardSegmentSchema,
  StorySchema,
  type Story,
  type StoryboardSegmentInput,
} from '../storyboard.js'
import type { TextMessage, TextSchema } from '../../../providers/text/provider.js'
import type { StoryboardRequest, StoryRequest } from './types.js'

/**
 * What story writers are asked (messages and JSON schemas) and how their answers are checked.
 * The same texts go to the local LLM and to MCP story tools, so both are validated alike.
 */

const SYSTEM =
  'You are a creative director writing short product videos made of keyframes. Answer in English ' +
  '(image models follow English prompts best) and only with JSON that matches the given schema.'

/** The JSON schema of a stories answer: `{ stories: Story[count] }`. */
export function storiesJsonSchema(count: number): TextSchema {
  return {
    name: 'keyframe_stories',
    description: `${count} distinct story options for a product video`,
    schema: z.toJSONSchema(z.object({ stories: z.array(StorySchema).length(count) })) as Record<
      string,
      unknown
    >,
  }
}

/** The JSON schema of a storyboard answer: `{ segments: Segment[count] }`. */
export function storyboardJsonSchema(count: number): TextSchema {
  return {
    name: 'keyframe_storyboard',
    description: `a storyboard of ${count} segments: hook, ${count - 2} body, cta`,
    schema: z.toJSONSchema(
      z.object({ segments: z.array(StoryboardSegmentSchema).length(count) }),
    ) as Record<string, unknown>,
  }
}

/** Messages asking for story options. */
export function storiesMessages(request: StoryRequest): TextMessage[] {
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content:
        `Concept: ${request.concept}\n` +
        `The product is shown in ${request.productImageCount} reference photo(s).\n` +
        `Write ${request.count} clearly different story options for a 15–40 second product video ` +
        '(different tone, pacing and visual style). For each give: title, narrative (3–5 sentences), ' +
        'tone, visualStyle (light, colour, camera language) and keyMoments (3–6 moments in order).',
    },
  ]
}

/** Messages asking for a storyboard of a chosen story. */
export function storyboardMessages(request: StoryboardRequest): TextMessage[] {
  const { story, segmentCount } = request
  const bodies = segmentCount - 2
  return [
    { role: 'system', content: SYSTEM },
    {
      role: 'user',
      content:
        `Concept: ${request.concept}\n` +
        `Story "${story.title}": ${story.narrative}\n` +
        `Tone: ${story.tone}. Visual style: ${story.visualStyle}.\n` +
        `Key moments: ${story.keyMoments.join(' | ')}\n\n` +
        `Split the story into exactly ${segmentCount} segments in this order: one "hook" (grabs attention ` +
        `in the first seconds), ${bodies} "body" segment(s), one "cta" (the product and the call to action). ` +
        'For each segment give type, description (what the camera shows, 1–3 sentences, with the product ' +
        'visible) and duration in seconds (4–8).',
    },
  ]
}

/**
 * Checks a stories answer.
 *
 * @param code the error code of the writer kind (LLM_002 for the LLM, GEN_001 for MCP tools)
 * @throws KamuiError `code` naming the writer and each problem
 */
export function validateStories(value: unknown, writer: string, code: ErrorCode): Story[] {
  const parsed = z.object({ stories: z.array(StorySchema).min(1).max(5) }).safeParse(value)
  if (!parsed.success) {
    throw new KamuiError(
      code,
      `the stories from ${writer} do not match the schema: ${describeZodIssues(parsed.error.issues)}.`,
    )
  }
  return parsed.data.stories
}

/**
 * Checks a storyboard answer: `segmentCount` segments; types are then set by position (hook,
 * body…, cta), whatever the writer called them.
 *
 * @throws KamuiError `code` naming the writer and each problem
 */
export function validateStoryboard(
  value: unknown,
  segmentCount: number,
  writer: string,
  code: ErrorCode,
): StoryboardSegmentInput[] {
  const parsed = z.object({ segments: z.array(StoryboardSegmentSchema) }).safeParse(value)
  if (!parsed.success) {
    throw new KamuiError(
      code,
      `the storyboard from ${writer} does not match the schema: ${describeZodIssues(parsed.error.issues)}.`,
    )
  }
  const segments = parsed.data.segments
  if (segments.length !== segmentCount) {
    throw new KamuiError(
      code,
      `the storyboard from ${writer} has ${segments.length} segments; ${segmentCount} were asked for.`,
    )
  }
  return segments.map((s, i) => ({ ...s, type: expectedType(i, segments.length) }))
}
