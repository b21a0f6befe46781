import type { Logger } from '../../core/logger.js'
import type { GpuMemory } from '../../contracts/telemetry.js'
import type { AspectRatio } from '../../media/video/size.js'

/** A frame as a video provider receives it. */
export interface ClipFrame {
  /** PNG bytes. */
  png: Buffer
  width: number
  height: number
  /** An http(s) URL of the image, or a `data:image/png;base64,…` URL of `png`. */
  url: string
}

/** One clip to generate. */
export interface ClipRequest {
  /** N of videos/segment-{N}.mp4 (for messages). */
  segment: number
  /** Segments of the whole video, for "segment 2/5" in messages; absent: unknown. */
  segments?: number
  prompt: string
  first: ClipFrame
  /** The frame the clip must end on, when there is one. */
  last?: ClipFrame
  /** Requested length, seconds. */
  durationS: number
  /** Frames per second (providers that render themselves). */
  fps: number
  /** Requested aspect ratio, or undefined for the first frame's own. */
  aspect?: AspectRatio
  /** Seed of the clip (deterministic providers). */
  seed: number
}

/** Options of one {@link VideoProvider.generate} call. */
export interface GenerateClipOptions {
  /** The clip's deadline and cancellation; its reason (IMG_003 on the deadline) is rethrown. */
  signal: AbortSignal
  logger: Logger
}

/** What a provider returns: the clip's bytes and how it was made. */
export interface ClipMedia {
  /** The video file's bytes as delivered (MP4 expected; other containers are converted). */
  bytes: Uint8Array
  /** The URL the model returned (downloaded at once), or a `preview://` identifier; else undefined. */
  url: string | undefined
  /** `mcpServers` key or base URL that ran it, or null. */
  server: string | null
  /** MCP tools called, in order (`[submit, status, result]`), or empty. */
  tools: string[]
  /** ComfyUI workflow template, or null. */
  workflow: string | null
  requestId: string | undefined
  /** Model call time (submit → result), ms. */
  generationMs: number
  /** Download time, ms (0 when the bytes came in the result). */
  downloadMs: number
  /** GPU memory of a self-hosted run, or null. */
  gpuMemory: GpuMemory | null
  /** The job key of the run journal, when the run keeps one (the stage records the clip file under it). */
  jobKey?: string
  /** How the journal served the job: reused (no model call), resumed (stored handle) or new. */
  journal?: 'reused' | 'resumed' | 'new'
}

/**
 * Anything that turns frames into a clip. Built in: MCP models (hosted, and the preview
 * server's pan-and-zoom); the ComfyUI image-to-video template plugs in through
 * `VideoGenerationDeps.videoProvider`.
 */
export interface VideoProvider {
  /** Recorded in outputs and reports: the alias, or `preview:<alias>` for a stand-in. */
  readonly label: string
  /** The registry alias or template name that was asked for. */
  readonly alias: string
  /** `mcp`, `comfyui` or `preview`. */
  readonly provider: string
  /** True for preview output (the offline preview server, not a model). */
  readonly preview: boolean
  /** Whether the model can end a clip on a given last frame. */
  readonly acceptsLastFrame: boolean
  /** Whether the model cannot work without a last frame (first/last-frame models). */
  readonly requiresLastFrame: boolean
  generate(request: ClipRequest, options: GenerateClipOptions): Promise<ClipMedia>
}
