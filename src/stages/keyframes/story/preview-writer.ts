import { noChargeCost } from '../costs.js'
import { expectedType, type Story, type StoryboardSegmentInput } from '../storyboard.js'
import type { StoryboardRequest, StoryRequest, StoryWriter, WriterCall } from './types.js'

/** The sentence every preview story carries: no model wrote it. */
export const PREVIEW_STORY_NOTICE =
  'PREVIEW: an offline template story filled in with the concept; not written by a language model.'

/** The three template moods, in story order. */
const TEMPLATES: readonly Omit<Story, 'title' | 'narrative' | 'keyMoments'>[] = [
  {
    tone: 'warm and calm',
    visualStyle: 'soft morning light, natural materials, shallow depth of field, slow camera moves',
  },
  {
    tone: 'energetic and playful',
    visualStyle: 'bright saturated colours, quick cuts, dynamic angles, crisp daylight',
  },
  {
    tone: 'premium and cinematic',
    visualStyle: 'low-key studio lighting, deep shadows, slow dolly shots, anamorphic highlights',
  },
]

const TITLES = ['First light', 'Everyday spark', 'The reveal']

/**
 * The preview story writer: fills three fixed templates (calm, energetic, cinematic) with the
 * concept, offline and deterministically, and says so in every story (titles start with
 * `[Preview]`, narratives carry {@link PREVIEW_STORY_NOTICE}). Its storyboards follow the
 * story's key moments: the hook opens on the first moment, bodies take the next ones, the CTA
 * shows the product with a call to action; 5 s per segment, 4 s for the CTA.
 */
export class PreviewStoryWriter implements StoryWriter {
  readonly preview = true
  readonly cacheIdentity = 'preview-story-templates:v1'

  /** @param label recorded in reports: `preview`, or `preview:<alias>` for a stand-in */
  constructor(readonly label = 'preview') {}

  writeStories(request: StoryRequest): Promise<WriterCall<Story[]>> {
    const concept = request.concept.trim()
    const stories = Array.from({ length: request.count }, (_, i): Story => {
      const template = TEMPLATES[i % TEMPLATES.length] as (typeof TEMPLATES)[number]
      return {
        title: `[Preview] ${TITLES[i % TITLES.length]}: ${concept.slice(0, 120)}`,
        narrative:
          `${PREVIEW_STORY_NOTICE} A ${template.tone} short about ${concept}: it opens on a striking detail ` +
          'of the product, follows it through a moment of everyday use, and ends on the product with a clear call to action.',
        tone: template.tone,
        visualStyle: template.visualStyle,
        keyMoments: [
          `a close detail of ${concept} catches the eye`,
          `${concept} in use, in a real setting`,
          `the benefit of ${concept} becomes visible`,
          `${concept} presented with the call to action`,
        ],
      }
    })
    return Promise.resolve(this.result(stories))
  }

  writeStoryboard(request: StoryboardRequest): Promise<WriterCall<StoryboardSegmentInput[]>> {
    const { story, segmentCount } = request
    const moments = story.keyMoments
    const segments = Array.from({ length: segmentCount }, (_, i): StoryboardSegmentInput => {
      const type = expectedType(i, segmentCount)
      const moment = moments[Math.min(i, moments.length - 1)] ?? story.title
      const description =
        type === 'hook'
          ? `Opening hook: ${moment}. ${story.visualStyle}.`
          : type === 'cta'
            ? `Call to action: the product centred and clearly visible, ${moments[moments.length - 1] ?? 'with the call to action'}.`
            : `Body ${i}: ${moment}, ${story.tone}.`
      return { type, description, duration: type === 'cta' ? 4 : 5 }
    })
    return Promise.resolve(this.result(segments))
  }

  private result<T>(value: T): WriterCall<T> {
    return {
      value,
      model: { alias: this.label, provider: 'preview', server: null, tool: null, workflow: null },
      generationMs: 0,
      cost: noChargeCost('story-generation', 'preview templates: written offline, no charge'),
    }
  }
}
