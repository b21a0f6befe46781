import type { GpuMemory, ModelTelemetry } from '../../../contracts/telemetry.js'
import type { KeyframeAspectRatio } from '../aspect.js'
import type { StepCost } from '../costs.js'
import type { ProductImage } from '../product-images.js'
import type { FrameKind } from '../prompts.js'
import type { SegmentType } from '../storyboard.js'

/** A keyframe already made, used as a reference (the first frame of a last frame's segment). */
export interface FrameReference {
  /** PNG bytes. */
  png: Buffer
  /** SHA-256 of `png` (hex). */
  sha256: string
  /**
   * The http(s) URL the model returned for it when that URL is still fresh (made in this run),
   * else null; renderers then send the bytes (hosted URLs expire after about an hour).
   */
  freshUrl: string | null
}

/** What a renderer is asked to make. */
export interface RenderRequest {
  /** The render prompt (composition plus requirements, see `buildRenderPrompt`). */
  prompt: string
  /** Exact size of the keyframe, px. */
  width: number
  height: number
  aspectRatio: KeyframeAspectRatio
  seed: number
  /** The product reference images (always sent). */
  references: readonly ProductImage[]
  /** For a last frame: its segment's first frame; null for first frames. */
  firstFrame: FrameReference | null
  /** Which frame this is (for logs and templates). */
  frame: { segment: number; kind: FrameKind; segmentType: SegmentType }
  signal: AbortSignal
}

/** A rendered keyframe as the model sent it (the stage converts it to a PNG of the exact size). */
export interface RenderResult {
  /** Image bytes: PNG, JPEG or WebP. */
  image: Uint8Array
  /** The URL the model returned, if any. */
  url: string | null
  model: ModelTelemetry
  /** Model call time, ms. */
  generationMs: number
  /** Download / decode time, ms; null when the bytes came inline. */
  downloadMs: number | null
  /** GPU memory around the job (local GPU renderers); null otherwise. */
  gpuMemory: GpuMemory | null
  /** `keyframe-generation` cost of the call. */
  cost: StepCost
  /** The job key of the run journal, when the run keeps one (the frame file is recorded under it). */
  jobKey?: string
  /** True when the run journal or the job cache answered (the bytes of a frame file written before). */
  reused?: boolean
}

/**
 * The second stage of a keyframe: renders one frame from its render prompt with the product
 * references (and, for a last frame, its first frame as a reference). Implemented by
 * `ReferenceRenderer` over the model services' image-with-references provider
 * (`src/providers/image/reference-image.ts`): MCP models (`seedream-4`, other registry aliases,
 * the preview server's `preview_render_keyframe`) and ComfyUI image-to-image templates
 * (`sdxl-img2img-local` on self-hosted runners, with their GPU memory figures).
 */
export interface KeyframeRenderer {
  /** Recorded in reports and used as the queue's model key (rate limits). */
  readonly label: string
  /** True for offline preview output. */
  readonly preview: boolean
  /** Everything about the renderer that changes its output (part of cache keys). */
  readonly cacheIdentity: string
  /**
   * @throws KamuiError the classified provider errors (IMG_003, IMG_006, IMG_007, IMG_008,
   *   MCP_001 transient ones are retried by the stage), GEN_001 / GEN_002 for failed jobs and
   *   unusable media
   */
  render(request: RenderRequest): Promise<RenderResult>
}
