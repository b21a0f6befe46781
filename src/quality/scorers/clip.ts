import { abortReason } from '../../core/abort.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { loadSharp } from '../../media/sharp.js'
import { ensureCpuModel, type CachedModel, type CpuModelOptions } from '../../models/cpu/cache.js'
import { CLIP_VIT_B32, modelLabel, type CpuModel } from '../../models/cpu/catalog.js'
import {
  loadTransformers,
  peakRssMib,
  type TransformersModule,
} from '../../models/cpu/transformers.js'
import type { ScoredDimension, Scorer, ScorerResult, ScoreRequest } from '../types.js'

/** The `quality-scorer` value of the CLIP scorer. */
export const CLIP_SCORER_ALIAS = 'clip'

/** CLIPScore's weight w (Hessel et al., 2021: CLIP-S = w · max(cos(E_image, E_text), 0), w = 2.5). */
export const CLIPSCORE_WEIGHT = 2.5

/**
 * The calibration of CLIPScore to the 0–1 alignment score: linear between
 * {@link CLIPSCORE_CALIBRATION}.low (0) and `.high` (1), clamped. CLIP ViT-B/32 puts an image and
 * a caption that describes it at a cosine of about 0.25–0.35 (CLIP-S 0.6–0.9; Hessel et al.
 * report mean CLIP-S about 0.75 on human reference captions) and an unrelated caption at about
 * 0.10–0.20 (CLIP-S 0.25–0.5). The bounds put "unrelated" at 0 and "clearly described" at 1. A
 * heuristic calibration: `npm run check:models` records matching and unrelated prompts on the
 * real weights so that it can be checked.
 */
export const CLIPSCORE_CALIBRATION = { low: 0.5, high: 0.85 } as const

/**
 * The antonym prompt pairs of CLIP-IQA (Wang et al., 2023, "Exploring CLIP for Assessing the
 * Look and Feel of Images") whose positive side is image quality: the score of a pair is the
 * softmax over the pair of CLIP's scaled cosine similarities (logit scale 100), the aesthetic
 * score is their mean.
 */
export const CLIP_IQA_PAIRS: readonly (readonly [positive: string, negative: string])[] = [
  ['Good photo.', 'Bad photo.'],
  ['Sharp photo.', 'Blurry photo.'],
  ['Clean photo.', 'Noisy photo.'],
  ['Beautiful photo.', 'Ugly photo.'],
]

/** CLIP's logit scale (exp of the learned temperature, 100 for the OpenAI models). */
const LOGIT_SCALE = 100

/** The 0–1 alignment score of a CLIPScore (see {@link CLIPSCORE_CALIBRATION}). */
export function alignmentFromClipScore(clipScore: number): number {
  const { low, high } = CLIPSCORE_CALIBRATION
  return Math.min(1, Math.max(0, (clipScore - low) / (high - low)))
}

/** CLIP-IQA score of one antonym pair from the cosines with its two prompts: softmax, 0–1. */
export function antonymScore(cosPositive: number, cosNegative: number): number {
  const a = LOGIT_SCALE * cosPositive
  const b = LOGIT_SCALE * cosNegative
  const m = Math.max(a, b)
  return Math.exp(a - m) / (Math.exp(a - m) + Math.exp(b - m))
}

interface LoadedClip {
  cached: CachedModel
  /** Loading the tokenizer, processor and both encoders, ms. */
  loadMs: number
  embedText(text: string): Promise<Float32Array>
  embedImage(png: Buffer): Promise<Float32Array>
}

/** One CLIP measurement of an image and its prompt. */
export interface ClipMeasurement {
  cosine: number
  clipScore: number
  alignment: number
  /** CLIP-IQA score of each pair (in {@link CLIP_IQA_PAIRS} order) and their mean. */
  pairs: number[]
  aesthetic: number
  /** The inference of this measurement (image and prompt embeddings, antonym pairs), ms. */
  inferenceMs: number
}

/**
 * The CLIP scorer (issue 17, `quality-scorer: clip`): CLIP ViT-B/32 on the runner's CPU through
 * transformers.js, the pinned weights from the model cache (downloaded from the Hub on first
 * use). Alignment is CLIPScore (w · max(cos, 0), w = 2.5) mapped to 0–1 by
 * {@link alignmentFromClipScore}; aesthetics is CLIP-IQA over {@link CLIP_IQA_PAIRS}. The
 * source names the model, its revision, the raw cosine and CLIPScore.
 */
export class ClipScorer implements Scorer {
  readonly name = CLIP_SCORER_ALIAS
  readonly dimensions: readonly ScoredDimension[] = ['alignment', 'aesthetic']
  private loading: Promise<LoadedClip> | undefined
  private readonly antonyms = new Map<string, Float32Array>()

  constructor(
    private readonly options: CpuModelOptions,
    private readonly logger: Logger = silentLogger,
    readonly model: CpuModel = CLIP_VIT_B32,
  ) {}

  /**
   * Makes sure the model is in the cache (downloading it when allowed) and loads it.
   *
   * @throws KamuiError QA_001 naming the model, the cache folder and how to fill it
   */
  async prepare(signal?: AbortSignal): Promise<CachedModel> {
    this.loading ??= this.load(signal)
    this.loading.catch(() => (this.loading = undefined))
    return (await this.loading).cached
  }

  async score(request: ScoreRequest): Promise<ScorerResult> {
    const m = await this.measure(request.png, request.prompt, request.signal)
    const clip = await (this.loading as Promise<LoadedClip>)
    return {
      alignment: m.alignment,
      aesthetic: m.aesthetic,
      source:
        `clip ${modelLabel(this.model)} on the CPU: alignment from CLIPScore ${m.clipScore.toFixed(3)} ` +
        `= 2.5·max(cos ${m.cosine.toFixed(4)}, 0), calibrated [${CLIPSCORE_CALIBRATION.low}, ${CLIPSCORE_CALIBRATION.high}] → 0–1; ` +
        `aesthetic = CLIP-IQA mean of ${CLIP_IQA_PAIRS.length} antonym pairs (${m.pairs.map((p) => p.toFixed(2)).join(', ')}); ` +
        `CPU: inference ${m.inferenceMs} ms, model load ${clip.loadMs} ms, download ${clip.cached.downloadMs ?? 0} ms, ` +
        `peak RSS ${peakRssMib()} MiB`,
    }
  }

  /** The raw figures of one image and prompt. */
  async measure(png: Buffer, prompt: string, signal?: AbortSignal): Promise<ClipMeasurement> {
    await this.prepare(signal)
    const clip = await (this.loading as Promise<LoadedClip>)
    if (signal?.aborted) throw abortReason(signal)
    const started = performance.now()
    const image = await clip.embedImage(png)
    const cosine = dot(image, await clip.embedText(prompt))
    const clipScore = CLIPSCORE_WEIGHT * Math.max(cosine, 0)
    const pairs: number[] = []
    for (const [positive, negative] of CLIP_IQA_PAIRS) {
      const pos = await this.antonym(clip, positive)
      const neg = await this.antonym(clip, negative)
      pairs.push(antonymScore(dot(image, pos), dot(image, neg)))
    }
    const aesthetic = pairs.reduce((a, b) => a + b, 0) / pairs.length
    const inferenceMs = Math.round(performance.now() - started)
    const alignment = alignmentFromClipScore(clipScore)
    return { cosine, clipScore, alignment, pairs, aesthetic, inferenceMs }
  }

  private async antonym(clip: LoadedClip, text: string): Promise<Float32Array> {
    let embedding = this.antonyms.get(text)
    if (!embedding) {
      embedding = await clip.embedText(text)
      this.antonyms.set(text, embedding)
    }
    return embedding
  }

  private async load(signal: AbortSignal | undefined): Promise<LoadedClip> {
    const cached = await ensureCpuModel(this.model, this.options, {
      code: 'QA_001',
      logger: this.logger,
      ...(signal ? { signal } : {}),
    })
    const t = await loadTransformers('QA_001')
    const started = performance.now()
    const options = { device: 'cpu' as const, dtype: this.model.dtype }
    const [tokenizer, processor, textModel, visionModel] = await Promise.all([
      t.AutoTokenizer.from_pretrained(cached.dir),
      t.AutoProcessor.from_pretrained(cached.dir),
      t.CLIPTextModelWithProjection.from_pretrained(cached.dir, options),
      t.CLIPVisionModelWithProjection.from_pretrained(cached.dir, options),
    ])
    const loadMs = Math.round(performance.now() - started)
    this.logger.info(
      `Quality scorer "clip": ${modelLabel(this.model)} loaded on the CPU in ${loadMs} ms (peak RSS ${peakRssMib()} MiB).`,
    )
    return {
      cached,
      loadMs,
      embedText: async (text) => {
        const inputs = tokenizer([text], { padding: true, truncation: true })
        const out = (await textModel(inputs)) as { text_embeds: { data: Float32Array } }
        return unit(out.text_embeds.data)
      },
      embedImage: async (png) => {
        const inputs = await processor(await rawImage(t, png))
        const out = (await visionModel(inputs)) as { image_embeds: { data: Float32Array } }
        return unit(out.image_embeds.data)
      },
    }
  }
}

/** The PNG as a transformers.js RawImage (RGB, decoded with the suite's sharp). */
async function rawImage(
  t: TransformersModule,
  png: Buffer,
): Promise<InstanceType<TransformersModule['RawImage']>> {
  const sharp = await loadSharp()
  const { data, info } = await sharp(png)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  return new t.RawImage(new Uint8ClampedArray(data), info.width, info.height, 3)
}

/** The vector scaled to length 1 (a zero vector stays zero). */
function unit(values: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(values)
  const norm = Math.hypot(...out)
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm
  return out
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number)
  return sum
}
