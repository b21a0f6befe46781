import { KamuiError } from '../../core/errors.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { ModelJobRunner } from '../kinds/job.js'
import type { MediaRef } from '../mcp/types.js'
import type { ModelEntry } from '../../models/types.js'
import type { ClipMedia, ClipRequest, GenerateClipOptions, VideoProvider } from './provider.js'

/** Largest video accepted from a model, bytes (500 MiB). */
export const MAX_VIDEO_BYTES = 500 * 1024 * 1024

/** Registry aliases of first/last-frame models, which need a last frame. */
export const LAST_FRAME_MODELS: ReadonlySet<string> = new Set(['veo31-flf2v'])

/** Options of {@link McpVideoProvider}. */
export interface McpVideoOptions {
  /** The alias that was asked for (differs from the entry's when the preview stands in). */
  requested: string
  /** Recorded label (`hailuo-02-pro`, `preview`, `preview:hailuo-02-pro`). */
  label: string
  /** True when the entry is the embedded preview server. */
  preview: boolean
  /** Pause between status calls, ms. */
  pollIntervalMs: number
}

/**
 * A video model behind MCP tools (SPEC §3.1): the submit → status → result triple (or one
 * synchronous tool). Arguments use the hosted names, and each tool receives only those its
 * schema declares: `prompt`, `image_url` and `end_image_url` (Hailuo-02), `first_frame_url` and
 * `last_frame_url` (Veo 3.1 FLF2V), `duration` (seconds), `aspect_ratio` (`16:9`), `fps`,
 * `seed`, plus the entry's constant `arguments`. The preview server also gets `model` (the
 * alias it stands in for). The first media item of the result is used: bytes, or a URL that
 * is downloaded at once (hosted URLs expire), limited to {@link MAX_VIDEO_BYTES} and refused
 * when it serves an image or text.
 */
export class McpVideoProvider implements VideoProvider {
  readonly label: string
  readonly alias: string
  readonly provider: string
  readonly preview: boolean
  readonly acceptsLastFrame = true
  readonly requiresLastFrame: boolean

  constructor(
    private readonly runner: ModelJobRunner,
    private readonly entry: ModelEntry,
    private readonly options: McpVideoOptions,
  ) {
    this.label = options.label
    this.alias = options.requested
    this.preview = options.preview
    this.provider = options.preview ? 'preview' : 'mcp'
    this.requiresLastFrame = LAST_FRAME_MODELS.has(options.requested)
  }

  /**
   * @throws KamuiError IMG_002 when the tools are on no configured server; the classified MCP
   *   errors (IMG_003 on the deadline, IMG_006, IMG_007, IMG_008, MCP_001); GEN_001 when the job
   *   reports failed or the result holds no media; GEN_002 for a download that is not a video
   */
  async generate(request: ClipRequest, options: GenerateClipOptions): Promise<ClipMedia> {
    const { entry } = this
    if (!entry.call) {
      throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call in the registry.`)
    }
    const args: Record<string, unknown> = {
      prompt: request.prompt,
      image_url: request.first.url,
      first_frame_url: request.first.url,
      ...(request.last
        ? { end_image_url: request.last.url, last_frame_url: request.last.url }
        : {}),
      duration: request.durationS,
      fps: request.fps,
      ...(request.aspect ? { aspect_ratio: request.aspect.text } : {}),
      seed: request.seed,
      ...(this.preview &&
      this.options.requested !== 'preview' &&
      this.options.requested !== entry.alias
        ? { model: this.options.requested }
        : {}),
      ...entry.arguments,
    }
    let lastState = ''
    const output = await this.runner.run(
      {
        provider: 'mcp',
        label: this.label,
        call: entry.call,
        args,
        hints: [...entry.serverHints, ...(entry.embedded ? [PREVIEW_SERVER_KEY] : [])],
        pollIntervalMs: this.options.pollIntervalMs,
        answer: 'media',
      },
      {
        signal: options.signal,
        logger: options.logger,
        onStatus: (state, elapsedMs) => {
          if (state === lastState) return
          lastState = state
          options.logger.info(
            `segment ${request.segment}${request.segments ? `/${request.segments}` : ''} (${this.label}): ${state === 'pending' ? 'in progress' : state} after ${Math.round(elapsedMs / 1000)} s`,
          )
        },
      },
    )
    const fetched = await this.runner.fetchMedia(output.media, {
      signal: options.signal,
      logger: options.logger,
      accept: 'video',
      maxBytes: MAX_VIDEO_BYTES,
      order: videoFirst,
      verify: (bytes) => Promise.resolve(bytes),
    })
    return {
      bytes: fetched.value,
      url: fetched.ref.url,
      server: output.handle.server,
      tools: output.handle.tools,
      workflow: null,
      requestId: output.handle.id,
      generationMs: output.generationMs,
      downloadMs: fetched.downloaded ? fetched.downloadMs : 0,
      gpuMemory: null,
      ...(output.jobKey ? { jobKey: output.jobKey } : {}),
      ...(output.journal ? { journal: output.journal } : {}),
    }
  }
}

const VIDEO_EXTENSION = /\.(mp4|webm|mov|m4v|mkv)(?:[?#]|$)/i

/** The media of a result with the video items first (a result may also link a thumbnail). */
export function videoFirst(media: readonly MediaRef[]): MediaRef[] {
  const isVideo = (ref: MediaRef): boolean =>
    (ref.mimeType?.toLowerCase().startsWith('video/') ?? false) ||
    (ref.url !== undefined && VIDEO_EXTENSION.test(ref.url))
  return [...media.filter(isVideo), ...media.filter((ref) => !isVideo(ref))]
}
