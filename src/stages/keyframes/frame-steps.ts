import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { loadSharp } from '../../media/sharp.js'
import { toPng } from '../../media/to-png.js'
import { contentSha256, embedImageProvenance } from '../../media/provenance/image.js'
import { provenanceToEmbed, type ProvenanceScope } from '../../media/provenance/record.js'
import { QueuedJobError, type GenerationQueue } from '../../runner/generation-queue.js'
import type { GpuMemory, ModelTelemetry } from '../../contracts/telemetry.js'
import type { KeyframeAspectRatio } from './aspect.js'
import { cacheKey, type KeyframeCache } from './cache.js'
import { cachedCost, type StepCost } from './costs.js'
import type { KeyframeEnhancer } from './enhancer/types.js'
import type { KeyframeRecord } from './keyframes-file.js'
import type { ProductImage } from './product-images.js'
import {
  buildEnhancerPrompt,
  buildRenderPrompt,
  type FrameContext,
  type FrameKind,
} from './prompts.js'
import type { FrameReference, KeyframeRenderer } from './renderer/types.js'
import type { Segment, Storyboard } from './storyboard.js'
import type { RunJournal } from '../../runner/journal.js'

/**
 * The steps of one keyframe: compose (enhancer), render (image model), inherit (copy the
 * previous segment's last frame). Each model step looks in the cache first and otherwise runs
 * on the shared generation queue (transient failures retried there with backoff) under its
 * own deadline; every made frame is written at once as `keyframes/segment-{n}-{kind}.png`.
 */

/** Folder of the frame files inside the stage folder. */
export const FRAMES_DIR = 'keyframes'

/** The file of a frame, relative to the stage folder. */
export function frameFile(segment: number, kind: FrameKind): string {
  return `${FRAMES_DIR}/segment-${segment}-${kind}.png`
}

/** The composition of one frame, from the cache or the enhancer. */
export interface Composition {
  text: string
  enhancer: ModelTelemetry
  /** Model call time, ms; null on a cache hit. */
  generationMs: number | null
  cache: 'hit' | 'miss' | 'bypassed' | 'off'
  cost: StepCost
  preview: boolean
}

/** A frame on disk, with what the next steps and the report need. */
export interface MadeFrame {
  record: KeyframeRecord
  /** The PNG bytes (a reference for the last frame and for inheritance). */
  png: Buffer
  /** The model's URL while it is fresh (made by a call in this run), else null. */
  freshUrl: string | null
  /** GPU memory of the render, when the renderer reported it. */
  gpuMemory: GpuMemory | null
}

/** The failure of a frame step, with the attempts it made. */
export class FrameStepError extends Error {
  override readonly name = 'FrameStepError'
  constructor(
    readonly step: 'composition' | 'render' | 'inherit',
    readonly error: KamuiError,
    readonly attempts: number,
    readonly retriedErrors: readonly KamuiError[],
    /** Costs already incurred (a composition that succeeded before the render failed). */
    readonly costs: readonly StepCost[],
    /** The composition and prompt, when they were made. */
    readonly partial: Pick<KeyframeRecord, 'composition' | 'prompt' | 'enhancer'> | null,
  ) {
    super(`${step}: ${error.message}`, { cause: error })
  }
}

/** What {@link FrameSteps} works with. */
export interface FrameStepsOptions {
  /** Absolute stage folder. */
  folder: string
  storyboard: Storyboard
  products: readonly ProductImage[]
  aspectRatio: KeyframeAspectRatio
  width: number
  height: number
  seed: number
  enhancer: KeyframeEnhancer
  renderer: KeyframeRenderer
  cache: KeyframeCache
  queue: GenerationQueue
  /** The folder's run journal (issue 11): each written frame is recorded as its render job's output. */
  journal?: RunJournal | undefined
  /** The stage's deadline and cancellation. */
  signal: AbortSignal
  /** Deadline of one step, ms. */
  stepTimeoutMs: number
  /** Segments whose steps skip cache lookups (retry-segments). */
  bypassCache: ReadonlySet<number>
  logger: Logger
  /** Provenance embedded in each frame file (issue 16); absent: none. */
  provenance?: ProvenanceScope | undefined
}

interface CachedComposition {
  composition: string
  enhancer: ModelTelemetry
}

interface CachedRender {
  url: string | null
  model: ModelTelemetry
}

/** What a frame's render is made from. */
interface RenderJob {
  kind: FrameKind
  prompt: string
  seed: number
  /** The frame file, relative to the stage folder. */
  file: string
  /** The first frame, for a last frame. */
  reference: FrameReference | null
  /** The render's cache key. */
  key: string
}

/** A frame's image, from the cache or the renderer, with what its record needs. */
interface RenderedFrame {
  png: Buffer
  url: string | null
  model: ModelTelemetry
  cache: Composition['cache']
  queueWaitMs: number | null
  renderMs: number | null
  downloadMs: number | null
  attempts: number
  retriedErrors: readonly KamuiError[]
  cost: StepCost
  freshUrl: string | null
  gpuMemory: GpuMemory | null
}

/** See the module comment. */
export class FrameSteps {
  constructor(private readonly o: FrameStepsOptions) {}

  /** The seed of a frame: seed + 2(n − 1), plus 1 for the last frame. */
  seedOf(segment: Segment, kind: FrameKind): number {
    return (this.o.seed + 2 * (segment.index - 1) + (kind === 'last' ? 1 : 0)) % 2 ** 31
  }

  /** The prompt context of a frame. */
  contextOf(segment: Segment, kind: FrameKind): FrameContext {
    return {
      storyboard: this.o.storyboard,
      segment,
      kind,
      aspectRatio: this.o.aspectRatio,
      width: this.o.width,
      height: this.o.height,
      productImageCount: this.o.products.length,
    }
  }

  /**
   * Writes (or takes from the cache) the composition of a frame.
   *
   * @throws FrameStepError when the enhancer fails after its retries
   */
  async compose(segment: Segment, kind: FrameKind): Promise<Composition> {
    const { enhancer, cache } = this.o
    const prompt = buildEnhancerPrompt(this.contextOf(segment, kind))
    const key = cacheKey({
      step: 'enhancement',
      enhancer: enhancer.cacheIdentity,
      prompt: prompt.prompt,
      fields: prompt.fields,
      references: this.o.products.map((p) => p.sha256),
      aspectRatio: this.o.aspectRatio,
    })
    const lookup = await this.lookup(
      segment,
      () => cache.get<CachedComposition>('enhancement', key),
      'enhancement',
    )
    if (lookup.value) {
      return {
        text: lookup.value.composition,
        enhancer: lookup.value.enhancer,
        generationMs: null,
        cache: 'hit',
        cost: cachedCost('nanobanana-enhancement'),
        preview: enhancer.preview,
      }
    }
    const label = `composition of segment ${segment.index} (${segment.label}) ${kind} frame`
    const result = await this.queued('composition', enhancer.label, label, [], null, (signal) =>
      enhancer.enhance({
        prompt,
        references: this.o.products,
        aspectRatio: this.o.aspectRatio,
        signal,
      }),
    )
    const value = result.value
    await cache.put<CachedComposition>('enhancement', key, {
      composition: value.composition,
      enhancer: value.model,
    })
    this.o.logger.info(`${label}: written by ${enhancer.label} (${value.generationMs} ms).`)
    return {
      text: value.composition,
      enhancer: value.model,
      generationMs: value.generationMs,
      cache: lookup.use,
      cost: value.cost,
      preview: enhancer.preview,
    }
  }

  /**
   * Renders (or takes from the cache) a frame from its composition and writes its file.
   *
   * @param firstFrame for a last frame, its segment's first frame (the reference); null for first frames
   * @param fallback for a later segment's generated first frame: why it was not inherited
   * @throws FrameStepError when the render fails after its retries or its image is unusable
   */
  async render(
    segment: Segment,
    kind: FrameKind,
    composition: Composition,
    firstFrame: MadeFrame | null,
    fallback: string | null = null,
  ): Promise<MadeFrame> {
    const started = performance.now()
    const job = this.renderJob(segment, kind, composition, firstFrame)
    const lookup = await this.lookup(
      segment,
      () => this.o.cache.getImage<CachedRender>('render', job.key),
      'render',
    )
    const rendered = lookup.value
      ? await this.cachedRender(job, lookup.value)
      : await this.freshRender(segment, job, composition, lookup.use)
    const record: KeyframeRecord = {
      kind,
      inherited: false,
      inheritedFrom: null,
      fallback,
      reused: false,
      composition: composition.text,
      prompt: job.prompt,
      seed: job.seed,
      enhancer: composition.enhancer,
      preview: composition.preview || this.o.renderer.preview,
      status: 'generated',
      path: job.file,
      url: rendered.url,
      ...(await this.describe(rendered.png)),
      model: rendered.model,
      cache: { enhancement: composition.cache, render: rendered.cache },
      timings: {
        enhancementMs: composition.generationMs,
        queueWaitMs: rendered.queueWaitMs,
        renderMs: rendered.renderMs,
        downloadMs: rendered.downloadMs,
        totalMs: Math.round(performance.now() - started),
      },
      attempts: rendered.attempts,
      retries: rendered.retriedErrors.length,
      retriedErrors: rendered.retriedErrors.map((e) => e.toJSON()),
      costs: [composition.cost, rendered.cost],
      error: null,
    }
    return {
      record,
      png: rendered.png,
      freshUrl: rendered.freshUrl,
      gpuMemory: rendered.gpuMemory,
    }
  }

  /** The prompt, seed, file, reference and cache key of a frame's render. */
  private renderJob(
    segment: Segment,
    kind: FrameKind,
    composition: Composition,
    firstFrame: MadeFrame | null,
  ): RenderJob {
    const prompt = buildRenderPrompt(this.contextOf(segment, kind), composition.text)
    const seed = this.seedOf(segment, kind)
    const reference: FrameReference | null = firstFrame
      ? {
          png: firstFrame.png,
          sha256: firstFrame.record.sha256 as string,
          freshUrl: firstFrame.freshUrl,
        }
      : null
    const key = cacheKey({
      step: 'render',
      renderer: this.o.renderer.cacheIdentity,
      prompt,
      width: this.o.width,
      height: this.o.height,
      aspectRatio: this.o.aspectRatio,
      seed,
      references: this.o.products.map((p) => p.sha256),
      // The content without the provenance XMP: the run id in it must not change the key.
      firstFrame: reference ? contentSha256(reference.png) : null,
    })
    return { kind, prompt, seed, file: frameFile(segment.index, kind), reference, key }
  }

  /** A render taken from the cache, written to the frame's file. */
  private async cachedRender(
    job: RenderJob,
    hit: { png: Buffer; value: CachedRender },
  ): Promise<RenderedFrame> {
    const png = await this.withProvenance(hit.png, job, hit.value.model)
    await writeFileAtomic(path.join(this.o.folder, job.file), png)
    return {
      png,
      url: hit.value.url,
      model: hit.value.model,
      cache: 'hit',
      queueWaitMs: null,
      renderMs: null,
      downloadMs: null,
      attempts: 0,
      retriedErrors: [],
      cost: cachedCost('keyframe-generation'),
      freshUrl: null,
      gpuMemory: null,
    }
  }

  /**
   * A render by the renderer on the queue, converted to a PNG of the keyframe size, written to
   * the frame's file and put in the cache.
   *
   * @throws FrameStepError when the render fails after its retries or its image is unusable
   */
  private async freshRender(
    segment: Segment,
    job: RenderJob,
    composition: Composition,
    cacheUse: 'miss' | 'bypassed' | 'off',
  ): Promise<RenderedFrame> {
    const { renderer } = this.o
    const label = `render of segment ${segment.index} (${segment.label}) ${job.kind} frame`
    const partial = {
      composition: composition.text,
      prompt: job.prompt,
      enhancer: composition.enhancer,
    }
    const result = await this.queued(
      'render',
      renderer.label,
      label,
      [composition.cost],
      partial,
      (signal) =>
        renderer.render({
          prompt: job.prompt,
          width: this.o.width,
          height: this.o.height,
          aspectRatio: this.o.aspectRatio,
          seed: job.seed,
          references: this.o.products,
          firstFrame: job.reference,
          frame: { segment: segment.index, kind: job.kind, segmentType: segment.type },
          signal,
        }),
    )
    const rendered = result.value
    const converting = performance.now()
    let png: Buffer
    let written: Buffer
    try {
      // A render reused from the run journal or the job cache is the frame file as written
      // (size and provenance included): kept byte for byte, so later frames keep their keys.
      png = rendered.reused ? Buffer.from(rendered.image) : await this.exactPng(rendered.image)
      written = rendered.reused ? png : await this.withProvenance(png, job, rendered.model)
      await writeFileAtomic(path.join(this.o.folder, job.file), written)
    } catch (error) {
      const kamui = isKamuiError(error) ? error : new KamuiError('GEN_002', errorMessage(error))
      throw new FrameStepError(
        'render',
        kamui,
        result.attempts,
        result.retriedErrors,
        [composition.cost, rendered.cost],
        partial,
      )
    }
    const convertMs = Math.round(performance.now() - converting)
    // The frame file is the render job's output: a re-run reuses it without a model call.
    if (rendered.jobKey) await this.o.journal?.recordOutput(rendered.jobKey, job.file, written)
    await this.o.cache.putImage<CachedRender>('render', job.key, png, {
      url: rendered.url,
      model: rendered.model,
    })
    this.o.logger.info(
      `${label}: ${this.o.width}×${this.o.height} written to ${job.file} by ${renderer.label} (${rendered.generationMs} ms` +
        `${result.attempts > 1 ? `, ${result.attempts} attempts` : ''}).`,
    )
    return {
      // The file's bytes (with provenance); the cache holds the render without it.
      png: written,
      url: rendered.url,
      model: rendered.model,
      cache: cacheUse,
      queueWaitMs: result.queueWaitMs,
      renderMs: rendered.generationMs,
      downloadMs: (rendered.downloadMs ?? 0) + convertMs,
      attempts: result.attempts,
      retriedErrors: result.retriedErrors,
      cost: rendered.cost,
      freshUrl: rendered.url && /^https?:\/\//i.test(rendered.url) ? rendered.url : null,
      gpuMemory: rendered.gpuMemory,
    }
  }

  /**
   * Copies the previous segment's last frame to this segment's first frame (identical bytes).
   *
   * @throws FrameStepError when the copy fails
   */
  async inherit(segment: Segment, previous: Segment, source: MadeFrame): Promise<MadeFrame> {
    const started = performance.now()
    const file = frameFile(segment.index, 'first')
    const from = source.record.path as string
    try {
      await copyFileAtomic(path.join(this.o.folder, from), path.join(this.o.folder, file))
    } catch (error) {
      throw new FrameStepError(
        'inherit',
        new KamuiError('GEN_001', `copying ${from} to ${file} failed: ${errorMessage(error)}`),
        0,
        [],
        [],
        null,
      )
    }
    const record: KeyframeRecord = {
      ...source.record,
      kind: 'first',
      status: 'inherited',
      path: file,
      inherited: true,
      inheritedFrom: { segment: previous.index, kind: 'last', path: from },
      fallback: null,
      reused: false,
      cache: { enhancement: null, render: null },
      timings: {
        enhancementMs: null,
        queueWaitMs: null,
        renderMs: null,
        downloadMs: null,
        totalMs: Math.round(performance.now() - started),
      },
      attempts: 0,
      retries: 0,
      retriedErrors: [],
      costs: [],
      error: null,
    }
    return { record, png: source.png, freshUrl: source.freshUrl, gpuMemory: null }
  }

  /** A frame kept from an earlier run: its file read back and checked against its recorded hash. */
  async reuse(record: KeyframeRecord): Promise<MadeFrame> {
    const file = path.join(this.o.folder, record.path as string)
    const png = await readFile(file).catch((error: unknown) => {
      throw new KamuiError(
        'KF_002',
        `${record.path} of the earlier run cannot be read (${errorMessage(error)}).`,
      )
    })
    const sha256 = createHash('sha256').update(png).digest('hex')
    if (sha256 !== record.sha256) {
      throw new KamuiError(
        'KF_002',
        `${record.path} changed since the earlier run (its SHA-256 differs from keyframes.json); run without retry-segments.`,
      )
    }
    return { record: { ...record, reused: true }, png, freshUrl: null, gpuMemory: null }
  }

  private async lookup<T>(
    segment: Segment,
    get: () => Promise<T | undefined>,
    step: 'enhancement' | 'render',
  ): Promise<{ value: T | undefined; use: 'miss' | 'bypassed' | 'off' }> {
    if (!this.o.cache.enabled) return { value: undefined, use: 'off' }
    if (this.o.bypassCache.has(segment.index)) {
      this.o.cache.bypass(step)
      return { value: undefined, use: 'bypassed' }
    }
    return { value: await get(), use: 'miss' }
  }

  /** Runs a model call on the queue under a step deadline; failures become {@link FrameStepError}. */
  private async queued<T>(
    step: 'composition' | 'render',
    model: string,
    label: string,
    costs: StepCost[],
    partial: FrameStepError['partial'],
    call: (signal: AbortSignal) => Promise<T>,
  ): Promise<{ value: T; attempts: number; queueWaitMs: number; retriedErrors: KamuiError[] }> {
    const deadline = deadlineSignal(
      this.o.stepTimeoutMs,
      `The ${label} (frame-timeout)`,
      this.o.signal,
    )
    try {
      return await this.o.queue.run(model, label, deadline.signal, ({ signal }) => call(signal))
    } catch (error) {
      if (error instanceof QueuedJobError) {
        throw new FrameStepError(
          step,
          error.error,
          error.attempts,
          error.retriedErrors,
          costs,
          partial,
        )
      }
      const kamui = isKamuiError(error) ? error : new KamuiError('GEN_001', errorMessage(error))
      throw new FrameStepError(step, kamui, 0, [], costs, partial)
    } finally {
      deadline.clear()
    }
  }

  /**
   * The frame with its provenance as XMP (issue 16): the renderer's model, the prompt, seed and
   * cache key; `algorithmicMedia` for the preview renderer, `compositeWithTrainedAlgorithmicMedia`
   * when product photos were given, else `trainedAlgorithmicMedia`. Unchanged without provenance.
   */
  private withProvenance(png: Buffer, job: RenderJob, model: ModelTelemetry): Promise<Buffer> {
    const preview = this.o.renderer.preview || model.provider === 'preview'
    return embedImageProvenance(
      png,
      provenanceToEmbed(this.o.provenance, {
        model: model.alias,
        provider: model.provider,
        algorithmic: preview,
        composite: this.o.products.length > 0,
        prompt: job.prompt,
        seed: job.seed,
        jobKey: job.key,
      }),
    )
  }

  /** The image as a PNG of exactly the keyframe size (cover-resized when the model sent another size). */
  private async exactPng(bytes: Uint8Array): Promise<Buffer> {
    const png = await toPng(bytes)
    if (png.width === this.o.width && png.height === this.o.height) return png.png
    this.o.logger.debug(
      `resizing a ${png.width}×${png.height} render to ${this.o.width}×${this.o.height}.`,
    )
    const sharp = await loadSharp()
    return sharp(png.png)
      .resize({ width: this.o.width, height: this.o.height, fit: 'cover' })
      .png()
      .toBuffer()
  }

  private async describe(png: Buffer): Promise<{ sha256: string; width: number; height: number }> {
    const sharp = await loadSharp()
    const meta = await sharp(png).metadata()
    return {
      sha256: createHash('sha256').update(png).digest('hex'),
      width: meta.width ?? this.o.width,
      height: meta.height ?? this.o.height,
    }
  }
}
