import type { Logger } from '../../core/logger.js'
import type { GpuMemory } from '../../contracts/telemetry.js'
import type { ModelEntry } from '../../models/types.js'
import type { MediaRef } from '../mcp/types.js'

/** A model as a run uses it: what to call and what to record. */
export interface ResolvedModel {
  /** The alias the user asked for (or `auto` picked). */
  requested: string
  /** The registry entry actually called. */
  entry: ModelEntry
  /** The name recorded in outputs and reports: the alias, or `preview:<alias>` for stand-ins. */
  label: string
  /** True when the entry is the embedded preview server. */
  preview: boolean
}

/** What one image job asks for. */
export interface ImageJob {
  prompt: string
  seed: number
  /** Requested size in pixels. */
  width: number
  height: number
}

/** How one image was made: where, with which tools or workflow, and how long it took. */
export interface ImageCallRecord {
  server: string
  tools: string[]
  requestId: string | undefined
  /** Model call time (submit → result), ms. */
  generationMs: number
  /** GPU memory of a ComfyUI job (MiB); null for hosted models (no GPU of ours). */
  gpuMemory: GpuMemory | null
  /** The ComfyUI workflow template that ran, or null. */
  workflow: string | null
  /** Job key of the run journal, when the run keeps one (the stage records its output file). */
  jobKey?: string
  /** How the run journal served the call: reused, resumed or new; absent without a journal. */
  journal?: 'reused' | 'resumed' | 'new'
}

/** What the model call of one attempt returned, before the media is fetched. */
export interface ModelAnswer extends ImageCallRecord {
  media: MediaRef[]
}

/** One generated image, converted to PNG and not yet written. */
export interface GeneratedImage extends ImageCallRecord {
  png: Buffer
  width: number
  height: number
  /** The URL the model returned, if any. */
  url: string | undefined
  /** Download / decode / PNG conversion time, ms. */
  downloadMs: number
}

/** Options of one image call. */
export interface ImageCallOptions {
  /** The attempt's deadline and cancellation; its reason is rethrown. */
  signal: AbortSignal
  logger: Logger
  /**
   * Largest accepted image in pixels, checked from the header before decoding
   * (`pixelCapFor(width, height)` of the request, src/media/to-png.ts).
   */
  maxPixels?: number
}

/**
 * Anything that makes an image from a prompt (SPEC §3): an MCP model (hosted, or the embedded
 * preview server) or a ComfyUI text-to-image template. Get one from the model services
 * (`services.image(model)`); stages never look at which provider is behind it.
 *
 * The call is split in two so that the model call runs under the generation queue's limits
 * while the download runs after the queue slot is free again.
 */
export interface ImageProvider {
  readonly model: ResolvedModel
  /**
   * The model call of one attempt.
   *
   * @throws KamuiError IMG_002 when the model cannot be reached in this run (its tools are on
   *   no server; no ComfyUI server), CFG_003 when the entry has no call, and the classified
   *   MCP / ComfyUI errors (IMG_003, IMG_006, IMG_007, IMG_008, IMG_010, COMFY_*, MCP_001, GEN_001)
   */
  request(job: ImageJob, options: ImageCallOptions): Promise<ModelAnswer>
  /**
   * The first usable image of an answer: inline bytes, or a URL downloaded at once; verified
   * and converted to PNG.
   *
   * @throws KamuiError GEN_002 when no media item is a valid image, GEN_001 when there is none,
   *   the download errors (IMG_006, IMG_008)
   */
  fetch(answer: ModelAnswer, options: ImageCallOptions): Promise<GeneratedImage>
}
