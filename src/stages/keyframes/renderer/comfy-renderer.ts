import { generateWithComfyUI } from '../../../providers/comfyui/provider.js'
import type { ComfyPool } from '../../../providers/comfyui/pool.js'
import {
  DEFAULT_TEMPLATES,
  getTemplate,
  type ComfyTemplate,
} from '../../../providers/comfyui/templates/index.js'
import { KamuiError } from '../../../core/errors.js'
import type { Logger } from '../../../core/logger.js'
import type { GpuCheckOptions } from '../../../providers/gpu/check.js'
import type { ModelEntry } from '../../../models/types.js'
import { noChargeCost } from '../costs.js'
import type { KeyframeRenderer, RenderRequest, RenderResult } from './types.js'

/** Options of {@link ComfyRenderer}. */
export interface ComfyRendererOptions {
  logger: Logger
  /** The GPU memory check (its `env` finds `nvidia-smi`: the stage context's env). */
  gpu?: GpuCheckOptions
}

/**
 * A keyframe renderer behind a `provider: comfyui` registry entry: its workflow template
 * (default `sdxl-image-to-image`) runs on the least-loaded healthy ComfyUI server of the run,
 * after the GPU memory check. The template gets the render prompt, the seed and the exact
 * keyframe size, and as input images, in this order, the frame's first frame (for a last
 * frame) and the product references (PNG copies, longest side 1024 px), as many as the
 * template takes: the shipped image-to-image template takes one, so a last frame is re-drawn
 * from its first frame and a first frame from the first product photo; a text-to-image
 * template (`sdxl-local`) takes none. A local GPU costs nothing per call.
 */
export class ComfyRenderer implements KeyframeRenderer {
  readonly preview = false
  readonly label: string
  readonly cacheIdentity: string
  private readonly template: ComfyTemplate

  /**
   * @throws KamuiError CFG_003 when the entry names no shipped template, IMG_002 when its
   *   template does not make images
   */
  constructor(
    private readonly entry: ModelEntry,
    private readonly pool: ComfyPool,
    private readonly options: ComfyRendererOptions,
  ) {
    this.template = getTemplate(entry.workflow ?? DEFAULT_TEMPLATES.imageToImage)
    if (this.template.produces !== 'image') {
      throw new KamuiError(
        'IMG_002',
        `keyframe-model "${entry.alias}": its ComfyUI workflow ${this.template.name} makes ${this.template.produces}, not images.`,
      )
    }
    this.label = entry.alias
    this.cacheIdentity = `comfyui:${entry.alias}:${this.template.name}`
  }

  /**
   * @throws KamuiError the ComfyUI errors of `generateWithComfyUI` (IMG_003, IMG_008 retried by
   *   the stage; IMG_010, COMFY_001, COMFY_002), COMFY_002 also when no image came back
   */
  async render(request: RenderRequest): Promise<RenderResult> {
    const candidates = [
      ...(request.firstFrame ? [request.firstFrame.png] : []),
      ...request.references.map((r) => r.reference),
    ]
    const result = await generateWithComfyUI(
      this.pool,
      this.template.name,
      {
        prompt: request.prompt,
        seed: request.seed,
        width: request.width,
        height: request.height,
        inputImages: candidates.slice(0, this.template.inputImages),
      },
      { signal: request.signal, logger: this.options.logger, gpu: this.options.gpu ?? {} },
    )
    const image = result.outputs.find((o) => o.mediaType.startsWith('image/'))
    if (!image) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${result.server}: the ${this.template.name} workflow of keyframe-model "${this.entry.alias}" returned no image for segment ${request.frame.segment} (${request.frame.kind} frame).`,
        { retryable: false },
      )
    }
    return {
      image: image.bytes,
      url: null,
      model: {
        alias: this.label,
        provider: 'comfyui',
        server: result.server,
        tool: null,
        workflow: result.template,
      },
      generationMs: result.generationMs,
      downloadMs: result.downloadMs,
      gpuMemory: result.gpuMemory,
      cost: noChargeCost('keyframe-generation', 'local ComfyUI: no per-call charge'),
    }
  }
}
