import { generateWithComfyUI } from '../comfyui/provider.js'
import type { ComfyPool } from '../comfyui/pool.js'
import { KamuiError } from '../../core/errors.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import { decodeDepthImage } from './decode.js'
import type { DepthEstimate, DepthProvider, DepthRequest } from './provider.js'

/**
 * Depth from a ComfyUI depth workflow template (`depth-model: comfyui:<template>`; the shipped
 * one is `depth-anything-v2`) on the self-hosted runner's ComfyUI servers: the image is
 * uploaded as the template's input, and the first file of its output node is decoded as a
 * grey depth map (brighter = nearer, 8 or 16 bits). One job, after the GPU memory check.
 */
export class ComfyDepthProvider implements DepthProvider {
  /**
   * @param pool the ComfyUI servers of the run (nothing is contacted before `estimate`)
   * @param name what `depth-model` said (for messages and the model alias)
   * @param template the depth workflow template
   * @param gpu the GPU memory check (its `env` finds `nvidia-smi`: the stage context's env)
   */
  constructor(
    private readonly pool: ComfyPool,
    readonly name: string,
    private readonly template: string,
    private readonly gpu: GpuCheckOptions = {},
  ) {}

  /**
   * @throws KamuiError the ComfyUI errors of `generateWithComfyUI` (IMG_003, IMG_008, IMG_010,
   *   COMFY_001, COMFY_002 also when no output file came back), PC_002 when the output is not a
   *   readable image
   */
  async estimate(q: DepthRequest): Promise<DepthEstimate> {
    const res = await generateWithComfyUI(
      this.pool,
      this.template,
      { seed: 0, inputImages: [q.png] },
      { signal: q.signal, logger: q.logger, gpu: this.gpu },
    )
    const out = res.outputs[0]
    if (!out) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${res.server}: the ${this.template} workflow finished without a depth map.`,
        { retryable: false },
      )
    }
    return {
      depth: await decodeDepthImage(out.bytes, `the depth map of ComfyUI ${this.template}`),
      source: {
        label: `comfyui:${this.template}`,
        kind: 'comfyui',
        preview: false,
        heuristic: false,
        notice: null,
        model: {
          alias: this.name,
          provider: 'comfyui',
          server: res.server,
          tool: null,
          workflow: this.template,
        },
      },
      generationMs: res.generationMs,
      downloadMs: res.downloadMs,
      gpuMemory: res.gpuMemory,
      attempts: 1,
    }
  }
}
