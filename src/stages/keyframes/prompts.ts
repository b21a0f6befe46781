import type { KeyframeAspectRatio } from './aspect.js'
import type { Segment, Storyboard } from './storyboard.js'

/**
 * The two prompts of a keyframe (the image-guided pipeline's `buildNanoBananaPrompt` and
 * `buildSeedreamPrompt`): the enhancer prompt asks for a detailed composition of one frame
 * from the story, the segment, its neighbours and the frame type; the render prompt wraps
 * that composition with the product-consistency and technical requirements.
 *
 * A frame's prompts depend on its own segment and its two neighbours only (plus the story and
 * the storyboard's length), so that changing one segment's description changes the prompts of
 * at most three segments.
 */

/** First or last frame of a segment. */
export type FrameKind = 'first' | 'last'

/** Everything a frame's prompts are written from. */
export interface FrameContext {
  storyboard: Storyboard
  segment: Segment
  kind: FrameKind
  aspectRatio: KeyframeAspectRatio
  /** Pixels. */
  width: number
  height: number
  productImageCount: number
}

/** The enhancer request of one frame: the prompt and its parts as separate fields. */
export interface EnhancerPrompt {
  /** The whole instruction, for tools and LLMs that take one text. */
  prompt: string
  /**
   * The same content as named fields, for tools that declare them (`frame_type`,
   * `segment_description`, `next_segment_description`, …; see {@link buildEnhancerPrompt}).
   */
  fields: Record<string, string | number | null>
}

/** The previous and next segments of `segment` (null at the ends). */
export function neighbours(
  storyboard: Storyboard,
  segment: Segment,
): { previous: Segment | null; next: Segment | null } {
  const at = segment.index - 1
  return {
    previous: storyboard.segments[at - 1] ?? null,
    next: storyboard.segments[at + 1] ?? null,
  }
}

/**
 * The enhancer prompt of a frame. The last frame describes the transition into the next
 * segment; the CTA's last frame has no next segment and is the closing image.
 *
 * `fields`: `frame_type` (`first` | `last`), `segment_number`, `segment_count`,
 * `segment_type`, `segment_label`, `segment_description`, `segment_duration` (s),
 * `previous_segment_description`, `next_segment_description` (null at the ends),
 * `story_title`, `story_narrative`, `story_tone`, `visual_style` (null without a story),
 * `concept` (or null), `aspect_ratio`, `width`, `height` (px), `product_image_count`.
 */
export function buildEnhancerPrompt(context: FrameContext): EnhancerPrompt {
  const { storyboard, segment, kind } = context
  const { previous, next } = neighbours(storyboard, segment)
  const count = storyboard.segments.length
  const story = storyboard.story
  const lines = [
    `Write the composition of the ${kind} keyframe of segment ${segment.index} of ${count} (${segment.label}) ` +
      `of a product video, ${context.aspectRatio} at ${context.width}×${context.height} px.`,
  ]
  if (storyboard.concept) lines.push(`Concept: ${storyboard.concept}`)
  if (story) {
    lines.push(
      `Story "${story.title}": ${story.narrative}`,
      `Tone: ${story.tone}. Visual style: ${story.visualStyle}.`,
    )
  }
  lines.push(
    previous
      ? `Previous segment (${previous.label}): ${previous.description}`
      : 'Previous segment: none, this segment opens the video.',
    `This segment (${segment.label}, ${segment.duration} s): ${segment.description}`,
    next
      ? `Next segment (${next.label}): ${next.description}`
      : 'Next segment: none, this is the final call to action.',
  )
  if (kind === 'first') {
    lines.push('Frame: the FIRST frame, the opening image of this segment, before any motion.')
  } else if (next) {
    lines.push(
      'Frame: the LAST frame, the closing image of this segment. It continues the first frame of this ' +
        `segment (same scene, light and product) and sets up the transition into the next segment (${next.label}): ` +
        'describe the camera position, framing and motion that lead into it.',
    )
  } else {
    lines.push(
      'Frame: the LAST frame of the video, the closing end card. It continues the first frame of this ' +
        'segment and holds on the product with room for the call to action; there is no next segment.',
    )
  }
  lines.push(
    `The product appears in ${context.productImageCount} reference photo(s): keep its shape, colours, materials, ` +
      'labels and logo exactly as in them.',
    'Write a detailed technical composition of about 200–300 words: subject and product placement, camera ' +
      '(shot size, angle, lens), lighting, colour palette, background and motion cues. Answer with the composition only.',
  )
  return {
    prompt: lines.join('\n'),
    fields: {
      frame_type: kind,
      segment_number: segment.index,
      segment_count: count,
      segment_type: segment.type,
      segment_label: segment.label,
      segment_description: segment.description,
      segment_duration: segment.duration,
      previous_segment_description: previous?.description ?? null,
      next_segment_description: kind === 'last' ? (next?.description ?? null) : null,
      story_title: story?.title ?? null,
      story_narrative: story?.narrative ?? null,
      story_tone: story?.tone ?? null,
      visual_style: story?.visualStyle ?? null,
      concept: storyboard.concept,
      aspect_ratio: context.aspectRatio,
      width: context.width,
      height: context.height,
      product_image_count: context.productImageCount,
    },
  }
}

/**
 * The render prompt of a frame: where it is in the video (`Segment n of N`), the enhancer's
 * composition, the product-consistency requirement, for a last frame the continuity with its
 * first frame, and the technical requirements.
 */
export function buildRenderPrompt(context: FrameContext, composition: string): string {
  const { segment, kind } = context
  const count = context.storyboard.segments.length
  const lines = [
    `Keyframe: segment ${segment.index} of ${count} (${segment.label}), ${kind} frame.`,
    composition.trim(),
    `Product consistency: the product must look exactly as in the ${context.productImageCount} reference image(s): ` +
      'same shape, proportions, colours, materials, labels and logo.',
  ]
  if (kind === 'last') {
    lines.push(
      'Continuity: same scene, subjects, lighting and colour grade as the first-frame reference; only the camera and the action have moved on.',
    )
  }
  lines.push(
    `Technical: ${context.width}×${context.height} px (${context.aspectRatio}), photorealistic, sharp focus on the product, ` +
      'no added text, watermarks or borders.',
  )
  return lines.join('\n')
}
