import { z } from 'zod'
import { errorMessage } from '../../core/errors.js'
import type { Story, Storyboard } from './storyboard.js'

/** The design's targets (the integrated-pipeline design's automated KPIs). */
export const STORY_TARGETS = { entropyBits: 2.0, alignment: 0.75 } as const

/**
 * The themes a story's parts are assigned to (zero-shot: the nearest theme label by embedding
 * cosine). A fixed list of common advertising themes, so that entropies of different runs are
 * on the same scale (at most log2(12) ≈ 3.58 bits).
 */
export const STORY_THEMES = [
  'family',
  'adventure',
  'luxury',
  'nature',
  'technology',
  'humor',
  'romance',
  'nostalgia',
  'health',
  'community',
  'achievement',
  'comfort',
] as const

/** Turns texts into vectors (a sentence-embedding model); names its method. */
export interface TextEmbedder {
  /** The model and how it embeds, for the report. */
  readonly method: string
  readonly model: { id: string; revision: string } | null
  embed(texts: readonly string[]): Promise<Float32Array[]>
}

const figure = z.number().nullable()

/** `storyFigures` of keyframes.json. */
export const StoryFiguresSchema = z.object({
  /** The embedding model and how texts were embedded; null when none could be had. */
  method: z.string().nullable(),
  model: z.object({ id: z.string(), revision: z.string() }).nullable(),
  entropy: z.object({
    /** Shannon entropy of the theme histogram, bits; null when not measured. */
    bits: figure,
    target: z.number(),
    meets: z.boolean().nullable(),
    /** Theme → number of story parts assigned to it. */
    themes: z.record(z.string(), z.number().int().nonnegative()),
    /** Story parts counted (each story's narrative and key moments). */
    parts: z.number().int().nonnegative(),
    stories: z.number().int().nonnegative(),
    method: z.string(),
    reason: z.string().nullable(),
  }),
  alignment: z.object({
    /** Cosine similarity of the concept and each segment's text. */
    segments: z.array(z.object({ index: z.number().int(), label: z.string(), cosine: z.number() })),
    mean: figure,
    min: figure,
    target: z.number(),
    meets: z.boolean().nullable(),
    method: z.string(),
    reason: z.string().nullable(),
  }),
})
export type StoryFigures = z.infer<typeof StoryFiguresSchema>

/** Shannon entropy of a histogram, bits (0 for an empty one). */
export function shannonEntropyBits(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return 0
  let h = 0
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log2(c / total)
  return h
}

/** Cosine similarity of two vectors (0 when one is zero). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number)
    na += (a[i] as number) ** 2
    nb += (b[i] as number) ** 2
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0
}

const ENTROPY_METHOD =
  'each story part (narrative, every key moment) assigned to the nearest of ' +
  `${STORY_THEMES.length} theme labels by embedding cosine; Shannon entropy of the theme histogram, bits`
const ALIGNMENT_METHOD =
  "cosine similarity of the embeddings of the concept and each segment's text (title and description)"

/**
 * The story quality figures of a keyframes run (issue 17 §4): thematic diversity (the Shannon
 * entropy of the theme distribution across the written stories, see {@link ENTROPY_METHOD})
 * and semantic alignment (the cosine of the concept and each segment's text), with the
 * design's targets ({@link STORY_TARGETS}) and the method named.
 *
 * No figure without a measurement: without an embedder (its model could not be had: the reason
 * is `unavailable`), without stories (a storyboard file) or without a concept, the figure is
 * null with the reason.
 */
export async function measureStoryFigures(
  storyboard: Storyboard,
  stories: readonly Story[] | undefined,
  embedder: TextEmbedder | { unavailable: string },
): Promise<StoryFigures> {
  const empty = notMeasured(embedder)
  if ('unavailable' in embedder) return empty
  try {
    return {
      method: embedder.method,
      model: embedder.model,
      entropy: await entropyOf(stories, embedder),
      alignment: await alignmentOf(storyboard, embedder),
    }
  } catch (error) {
    return notMeasured({ unavailable: `the embedding failed: ${errorMessage(error)}` })
  }
}

function notMeasured(embedder: TextEmbedder | { unavailable: string }): StoryFigures {
  const reason =
    'unavailable' in embedder
      ? `not measured: no sentence-embedding model (${embedder.unavailable})`
      : null
  return {
    method: 'unavailable' in embedder ? null : embedder.method,
    model: 'unavailable' in embedder ? null : embedder.model,
    entropy: {
      bits: null,
      target: STORY_TARGETS.entropyBits,
      meets: null,
      themes: {},
      parts: 0,
      stories: 0,
      method: ENTROPY_METHOD,
      reason,
    },
    alignment: {
      segments: [],
      mean: null,
      min: null,
      target: STORY_TARGETS.alignment,
      meets: null,
      method: ALIGNMENT_METHOD,
      reason,
    },
  }
}

async function entropyOf(
  stories: readonly Story[] | undefined,
  embedder: TextEmbedder,
): Promise<StoryFigures['entropy']> {
  const base = notMeasured(embedder).entropy
  if (!stories || stories.length === 0) {
    return {
      ...base,
      reason: 'not measured: no stories were written in this run (storyboard given)',
    }
  }
  const parts = stories.flatMap((s) => [s.narrative, ...s.keyMoments])
  const [themes, vectors] = await Promise.all([embedder.embed(STORY_THEMES), embedder.embed(parts)])
  const counts = new Array<number>(STORY_THEMES.length).fill(0)
  for (const v of vectors) {
    let best = 0
    for (let t = 1; t < themes.length; t++) {
      if (cosine(v, themes[t] as Float32Array) > cosine(v, themes[best] as Float32Array)) best = t
    }
    counts[best] = (counts[best] as number) + 1
  }
  const bits = round(shannonEntropyBits(counts))
  return {
    ...base,
    bits,
    meets: bits >= STORY_TARGETS.entropyBits,
    themes: Object.fromEntries(
      STORY_THEMES.map((t, i) => [t, counts[i] as number]).filter(([, c]) => (c as number) > 0),
    ),
    parts: parts.length,
    stories: stories.length,
  }
}

async function alignmentOf(
  storyboard: Storyboard,
  embedder: TextEmbedder,
): Promise<StoryFigures['alignment']> {
  const base = notMeasured(embedder).alignment
  if (!storyboard.concept) {
    return { ...base, reason: 'not measured: the run has no concept to compare the segments with' }
  }
  const texts = storyboard.segments.map((s) => [s.title, s.description].filter(Boolean).join('. '))
  const [concept, ...segments] = await embedder.embed([storyboard.concept, ...texts])
  const values = segments.map((v, i) => ({
    index: storyboard.segments[i]?.index ?? i + 1,
    label: storyboard.segments[i]?.label ?? `segment ${i + 1}`,
    cosine: round(cosine(concept as Float32Array, v)),
  }))
  const mean = round(values.reduce((a, b) => a + b.cosine, 0) / Math.max(1, values.length))
  return {
    ...base,
    segments: values,
    mean,
    min: Math.min(...values.map((v) => v.cosine)),
    meets: mean >= STORY_TARGETS.alignment,
  }
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000
}
