import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { KamuiError } from '../../core/errors.js'

/**
 * Stories and storyboards of the keyframes stage (SPEC §6; the image-guided pipeline's
 * `Story`, `Segment` and `Storyboard` types). A storyboard is a list of segments in the fixed
 * order Hook → Body 1 … Body n → CTA; each segment later gets a first and a last keyframe.
 */

/** Segment types, in the only order they may appear: one hook, any bodies, one CTA. */
export const SEGMENT_TYPES = ['hook', 'body', 'cta'] as const
/** One of {@link SEGMENT_TYPES}. */
export type SegmentType = (typeof SEGMENT_TYPES)[number]

/** Fewest segments of a storyboard (Hook → CTA). */
export const MIN_SEGMENTS = 2
/** Most segments of a storyboard. */
export const MAX_SEGMENTS = 12
/** Longest segment, seconds (video models make clips of 5–10 s). */
export const MAX_SEGMENT_SECONDS = 60

/**
 * One story option: what an LLM writes for a concept (three of them), and the context every
 * keyframe composition is written from.
 */
export const StorySchema = z.object({
  /** Short title. */
  title: z.string().trim().min(1).max(200),
  /** The story in a few sentences. */
  narrative: z.string().trim().min(1).max(4000),
  /** Emotional tone, e.g. "warm and calm". */
  tone: z.string().trim().min(1).max(300),
  /** Visual style: light, colour, camera language. */
  visualStyle: z.string().trim().min(1).max(1000),
  /** The moments the video must show, in order (1–12). */
  keyMoments: z.array(z.string().trim().min(1).max(500)).min(1).max(12),
})
/** A validated story. */
export type Story = z.infer<typeof StorySchema>

/** One segment as a storyboard file (or a story writer) gives it. */
export const StoryboardSegmentSchema = z.object({
  /** `hook` (first segment), `body` (middle ones) or `cta` (last segment). */
  type: z.enum(SEGMENT_TYPES),
  /** What happens in the segment: the basis of its keyframe compositions (1–2000 characters). */
  description: z.string().trim().min(1).max(2000),
  /** Length of the segment's clip, seconds (> 0, at most 60). */
  duration: z.number().positive().max(MAX_SEGMENT_SECONDS),
  /** Optional short title. */
  title: z.string().trim().min(1).max(200).optional(),
})
/** A segment as given. */
export type StoryboardSegmentInput = z.infer<typeof StoryboardSegmentSchema>

/**
 * The storyboard file format (`storyboard-file` input), JSON:
 *
 * ```json
 * {
 *   "concept": "optional: the product or campaign, for the compositions",
 *   "story": { "title": "…", "narrative": "…", "tone": "…", "visualStyle": "…", "keyMoments": ["…"] },
 *   "segments": [
 *     { "type": "hook", "description": "…", "duration": 5 },
 *     { "type": "body", "description": "…", "duration": 5 },
 *     { "type": "cta", "description": "…", "duration": 4 }
 *   ]
 * }
 * ```
 *
 * Rules: 2–12 segments; the first is `hook`, the last is `cta`, every other one is `body`;
 * descriptions are 1–2000 characters; durations are seconds, above 0 and at most 60. `story`
 * and `concept` are optional context (without a story the compositions use the segment texts
 * alone). Unknown fields are refused, so a typo does not pass silently.
 */
export const StoryboardFileSchema = z
  .strictObject({
    concept: z.string().trim().min(1).max(4000).optional(),
    story: StorySchema.optional(),
    segments: z.array(StoryboardSegmentSchema).min(MIN_SEGMENTS).max(MAX_SEGMENTS),
  })
  .superRefine((board, ctx) => {
    board.segments.forEach((segment, i) => {
      const expected = expectedType(i, board.segments.length)
      if (segment.type !== expected) {
        ctx.addIssue({
          code: 'custom',
          path: ['segments', i, 'type'],
          message: `segment ${i + 1} of ${board.segments.length} must be "${expected}" (order: hook, body…, cta), got "${segment.type}"`,
        })
      }
    })
  })
/** A validated storyboard file. */
export type StoryboardFile = z.infer<typeof StoryboardFileSchema>

/** A segment of a run, numbered and labelled. */
export interface Segment {
  /** 1-based position; files are `keyframes/segment-{index}-first.png` / `-last.png`. */
  index: number
  type: SegmentType
  /** `Hook`, `Body 1` … `Body n`, `CTA`. */
  label: string
  description: string
  /** Seconds. */
  duration: number
  title: string | null
}

/** The storyboard a run works from. */
export interface Storyboard {
  /** Where it came from: a `storyboard-file`, or written by a story writer for `concept`. */
  source: 'file' | 'generated'
  concept: string | null
  story: Story | null
  segments: Segment[]
}

/** The type the segment at 0-based position `i` of `count` must have. */
export function expectedType(i: number, count: number): SegmentType {
  if (i === 0) return 'hook'
  if (i === count - 1) return 'cta'
  return 'body'
}

/**
 * Numbers and labels segments given in Hook → Body… → CTA order.
 *
 * @throws KamuiError KF_002 when the order or the count is wrong (callers validate first; this
 *   guards the invariant)
 */
export function labelSegments(segments: readonly StoryboardSegmentInput[]): Segment[] {
  if (segments.length < MIN_SEGMENTS || segments.length > MAX_SEGMENTS) {
    throw new KamuiError(
      'KF_002',
      `a storyboard needs ${MIN_SEGMENTS}–${MAX_SEGMENTS} segments, got ${segments.length}.`,
    )
  }
  let body = 0
  return segments.map((segment, i) => {
    const type = expectedType(i, segments.length)
    if (segment.type !== type) {
      throw new KamuiError(
        'KF_002',
        `segment ${i + 1} must be "${type}" (order: hook, body…, cta), got "${segment.type}".`,
      )
    }
    const label = type === 'hook' ? 'Hook' : type === 'cta' ? 'CTA' : `Body ${++body}`
    return {
      index: i + 1,
      type,
      label,
      description: segment.description,
      duration: segment.duration,
      title: segment.title ?? null,
    }
  })
}

/**
 * Reads and validates a storyboard file (see {@link StoryboardFileSchema}).
 *
 * @param file absolute path (resolved in the workspace by the caller)
 * @param shown the path as the user wrote it, for messages
 * @throws KamuiError KF_002 when the file cannot be read, is not JSON (with line and column),
 *   or breaks a rule (every problem named with its field path, e.g. `segments.2.type`)
 */
export async function loadStoryboardFile(file: string, shown: string): Promise<Storyboard> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new KamuiError(
      'KF_002',
      `storyboard-file "${shown}" cannot be read (${code === 'ENOENT' ? 'no such file' : (code ?? 'read error')}).`,
      { cause: error },
    )
  }
  let data: unknown
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (error) {
    throw new KamuiError(
      'KF_002',
      `storyboard-file "${shown}" is not valid JSON (${(error as Error).message}).`,
    )
  }
  const parsed = StoryboardFileSchema.safeParse(data)
  if (!parsed.success) {
    throw new KamuiError(
      'KF_002',
      `storyboard-file "${shown}" is invalid: ${describeZodIssues(parsed.error.issues)}.`,
    )
  }
  return {
    source: 'file',
    concept: parsed.data.concept ?? null,
    story: parsed.data.story ?? null,
    segments: labelSegments(parsed.data.segments),
  }
}

/** `path: message` for each issue (at most 8), joined with `; `. */
export function describeZodIssues(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string {
  const shown = issues
    .slice(0, 8)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
  if (issues.length > 8) shown.push(`and ${issues.length - 8} more`)
  return shown.join('; ')
}
