import type { Logger } from '../../../core/logger.js'
import type {
  ReferenceImage,
  ReferenceImageProvider,
} from '../../../providers/image/reference-image.js'
import { modelCost } from '../costs.js'
import type { ProductImage } from '../product-images.js'
import { dataUrlOf } from '../references.js'
import type { FrameReference, KeyframeRenderer, RenderRequest, RenderResult } from './types.js'

/**
 * The keyframe renderer over the model services' image-with-references provider (MCP tools,
 * the preview server, ComfyUI image-to-image templates): the product references go as the URLs
 * they were given as or PNG data URLs (data URLs of the small copies for the offline preview
 * server), a last frame's first frame as its fresh model URL or a data URL; the cost is the
 * registry price, or nothing for preview and local GPU renders.
 */
export class ReferenceRenderer implements KeyframeRenderer {
  readonly label: string
  readonly preview: boolean
  readonly cacheIdentity: string

  constructor(
    private readonly provider: ReferenceImageProvider,
    private readonly logger: Logger,
  ) {
    this.label = provider.model.label
    this.preview = provider.model.preview
    this.cacheIdentity = provider.cacheIdentity
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const { provider } = this
    const result = await provider.render(
      {
        prompt: request.prompt,
        width: request.width,
        height: request.height,
        aspectRatio: request.aspectRatio,
        seed: request.seed,
        references: request.references.map((r) => this.productReference(r)),
        firstFrame: request.firstFrame ? this.frameReference(request.firstFrame) : null,
        what: `segment ${request.frame.segment} (${request.frame.kind} frame)`,
      },
      { signal: request.signal, logger: this.logger },
    )
    return {
      image: result.png,
      url: result.url,
      model: {
        alias: this.label,
        provider: provider.provider,
        server: result.server,
        tool: result.tool,
        workflow: result.workflow,
      },
      generationMs: result.generationMs,
      downloadMs: result.downloadMs,
      gpuMemory: result.gpuMemory,
      ...(result.jobKey ? { jobKey: result.jobKey } : {}),
      ...(result.reused ? { reused: true } : {}),
      cost: modelCost('keyframe-generation', {
        noCharge: provider.noCharge,
        entry: provider.model.entry,
      }),
    }
  }

  private productReference(image: ProductImage): ReferenceImage {
    return {
      bytes: image.reference,
      url: this.provider.offline
        ? dataUrlOf(image.previewReference)
        : (image.url ?? dataUrlOf(image.reference)),
    }
  }

  private frameReference(frame: FrameReference): ReferenceImage {
    return {
      bytes: frame.png,
      url: this.provider.offline || !frame.freshUrl ? dataUrlOf(frame.png) : frame.freshUrl,
    }
  }
}
