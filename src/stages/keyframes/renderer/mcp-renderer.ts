import { KamuiError } from '../../../core/errors.js'
import type { Logger } from '../../../core/logger.js'
import { invokeTool } from '../../../providers/mcp/invoke.js'
import type { McpPool } from '../../../providers/mcp/pool.js'
import type { ModelEntry } from '../../../models/types.js'
import { noChargeCost, registryCost } from '../costs.js'
import { dataUrlOf, referenceUrls } from '../references.js'
import { fetchFirstImage } from './fetch-media.js'
import type { KeyframeRenderer, RenderRequest, RenderResult } from './types.js'

/** Options of {@link McpRenderer}. */
export interface McpRendererOptions {
  logger: Logger
  pollIntervalMs?: number
  /** The entry is the embedded preview server (data URLs only, no charge, labelled preview). */
  preview?: boolean
  /** Label for reports; default the entry's alias. */
  label?: string
  /** For a preview stand-in: the alias it stands in for (printed on the image). */
  standInFor?: string
}

/**
 * A renderer behind an MCP image tool (sync, or submit / status / result). The tool receives,
 * of these, the arguments its input schema declares: `prompt`, `image_urls` (the product
 * references; for a last frame its first frame comes first, unless the tool declares
 * `first_frame_url`, which then gets it), `first_frame_url`, `width`, `height`, `image_size`
 * (`{ width, height }`), `aspect_ratio`, `seed`, `num_images` (1), `output_format` (`png`),
 * `model` (preview stand-ins), plus the entry's `arguments`. References are the URLs they were
 * given as or PNG data URLs; the preview server gets data URLs only.
 */
export class McpRenderer implements KeyframeRenderer {
  readonly label: string
  readonly preview: boolean
  readonly cacheIdentity: string

  constructor(
    private readonly entry: ModelEntry,
    private readonly pool: McpPool,
    private readonly options: McpRendererOptions,
  ) {
    if (!entry.call) throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call.`)
    this.preview = options.preview ?? false
    this.label = options.label ?? entry.alias
    this.cacheIdentity = `mcp:${this.label}:${JSON.stringify(entry.call)}:${JSON.stringify(entry.arguments)}`
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const call = this.entry.call as NonNullable<ModelEntry['call']>
    const first = call.type === 'sync' ? call.tool : call.submit
    const location = await this.pool.findTool(first, {
      signal: request.signal,
      hints: this.entry.serverHints,
    })
    const products = referenceUrls(request.references, this.preview)
    const firstFrame = request.firstFrame
      ? this.preview || !request.firstFrame.freshUrl
        ? dataUrlOf(request.firstFrame.png)
        : request.firstFrame.freshUrl
      : undefined
    const separateFirst = location.inputProperties.includes('first_frame_url')
    const args: Record<string, unknown> = {
      prompt: request.prompt,
      image_urls: firstFrame && !separateFirst ? [firstFrame, ...products] : products,
      first_frame_url: separateFirst ? firstFrame : undefined,
      width: request.width,
      height: request.height,
      image_size: { width: request.width, height: request.height },
      aspect_ratio: request.aspectRatio,
      seed: request.seed,
      num_images: 1,
      output_format: 'png',
      ...(this.options.standInFor ? { model: this.options.standInFor } : {}),
      ...this.entry.arguments,
    }
    const pollIntervalMs = this.options.pollIntervalMs ?? this.entry.pollIntervalMs
    const started = performance.now()
    const invoked = await invokeTool(this.pool, call, args, {
      signal: request.signal,
      logger: this.options.logger,
      hints: this.entry.serverHints,
      ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
    })
    const generationMs = Math.round(performance.now() - started)
    const image = await fetchFirstImage(invoked.media, {
      signal: request.signal,
      logger: this.options.logger,
    })
    return {
      image: image.png,
      url: image.url,
      model: {
        alias: this.label,
        provider: this.preview ? 'preview' : 'mcp',
        server: invoked.server,
        tool: invoked.tools[0] ?? null,
        workflow: null,
      },
      generationMs,
      downloadMs: image.inline ? null : image.ms,
      gpuMemory: null,
      cost: this.preview
        ? noChargeCost('keyframe-generation', 'preview server: rendered offline, no charge')
        : registryCost('keyframe-generation', this.entry),
    }
  }
}
