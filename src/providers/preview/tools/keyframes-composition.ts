/**
 * The preview enhancer's composition: a fixed template filled in with the frame's segment,
 * neighbours and story, offline. It is labelled as a preview template in its first line and
 * is not written by a model.
 */

/** First line of every preview composition. */
export const PREVIEW_COMPOSITION_LABEL =
  '[PREVIEW composition: an offline template filled in with the storyboard, not written by a model]'

/** What the template is filled in with (the enhancer prompt's named fields). */
export interface PreviewCompositionInput {
  frameType: 'first' | 'last'
  segmentLabel: string | null
  segmentType: 'hook' | 'body' | 'cta' | null
  segmentDescription: string | null
  nextSegmentDescription: string | null
  visualStyle: string | null
  productImageCount: number | null
  /** The full enhancer prompt (used when the fields are missing). */
  prompt: string
}

/** Shot choices of the template by segment type and frame. */
const CAMERA: Record<'hook' | 'body' | 'cta', { first: string; last: string }> = {
  hook: {
    first: 'extreme close-up on a striking product detail, 85 mm lens, shallow depth of field',
    last: 'pull back to a medium shot that reveals the product in its setting, 50 mm lens',
  },
  body: {
    first: 'medium shot at eye level, 35 mm lens, the product in use',
    last: 'slow push-in towards the product, 50 mm lens, eye level',
  },
  cta: {
    first: 'clean medium shot, the product centred, 50 mm lens',
    last: 'static end card: the product centred with generous space above for the call to action',
  },
}

/** The template composition for one frame (deterministic: same input, same text). */
export function previewComposition(input: PreviewCompositionInput): string {
  const type = input.segmentType ?? 'body'
  const label = input.segmentLabel ?? 'this segment'
  const scene = input.segmentDescription ?? firstLine(input.prompt)
  const lines = [
    PREVIEW_COMPOSITION_LABEL,
    `${input.frameType === 'first' ? 'First' : 'Last'} frame of ${label}: ${scene}`,
    `Camera: ${CAMERA[type][input.frameType]}.`,
    `Product: the product from the ${input.productImageCount ?? 'given'} reference photo(s), unchanged in shape, colour and label, placed on the lower third line and in sharp focus.`,
    `Light and palette: ${input.visualStyle ?? 'soft natural key light from the left, gentle fill, neutral palette'}.`,
  ]
  if (input.frameType === 'last') {
    lines.push(
      input.nextSegmentDescription
        ? `Transition: the framing and motion lead into the next segment: ${input.nextSegmentDescription}`
        : 'Transition: none; this is the closing end card of the video, the product holds still.',
    )
  }
  return lines.join('\n')
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text
  return line.trim().slice(0, 400)
}
