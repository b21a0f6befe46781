import { KamuiError } from '../../core/errors.js'
import { TEMPLATES } from '../comfyui/templates/index.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import type { ModelJobRunner } from '../kinds/job.js'
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
   * @param runner the job runner of the run (its ComfyUI servers are contacted at `estimate`)
   * @param name what `depth-model` said (for messages and the model alias)
   * @param template the depth workflow template
   * @param gpu the GPU memory check (its `env` finds `nvidia-smi`: the stage context's env)
   */
  constructor(
    private readonly runner: ModelJobRunner,
    readonly name: string,
    private readonly template: string,
    private readonly gpu: GpuCheckOptions = {},
  ) {}

  /**
   * @throws KamuiError the ComfyUI errors of the job runner (IMG_003, IMG_008, IMG_010,
   *   COMFY_001, COMFY_002 also when no output file came back), PC_002 when the output is not a
   *   readable image
   */
  async estimate(q: DepthRequest): Promise<DepthEstimate> {
    const res = await this.runner.run(
      {
        provider: 'comfyui',
        label: this.name,
        template: this.template,
        params: { seed: 0, inputImages: [q.png] },
        gpu: this.gpu,
      },
      { signal: q.signal, logger: q.logger },
    )
    const out = res.media[0]
    if (!out?.bytes) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${res.handle.server}: the ${this.template} workflow finished without a depth map.`,
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
          server: res.handle.server,
          tool: null,
          workflow: this.template,
        },
      },
      generationMs: res.generationMs,
      downloadMs: res.downloadMs ?? 0,
      gpuMemory: res.gpuMemory,
      attempts: 1,
    }
  }
}

/**
 * The ComfyUI depth provider of `depth-model: comfyui:<template>` (e.g.
 * `comfyui:depth-anything-v2`), or undefined for any other name. Nothing is contacted before
 * the estimate.
 *
 * @throws KamuiError PC_001 when the template is not a shipped depth template, naming those
 *   that are
 */
export function comfyDepthProviderFor(
  depthModel: string,
  runner: ModelJobRunner,
  gpu: GpuCheckOptions,
): ComfyDepthProvider | undefined {
  const match = /^comfyui:(.*)$/i.exec(depthModel)
  if (!match) return undefined
  const template = (match[1] ?? '').trim()
  if (TEMPLATES[template]?.produces !== 'depth') {
    const depth = Object.values(TEMPLATES).filter((t) => t.produces === 'depth')
    throw new KamuiError(
      'PC_001',
      `No depth source: depth-model "${depthModel}" names no ComfyUI depth workflow; the shipped ones are ` +
        `${depth.map((t) => `comfyui:${t.name}`).join(', ')}.`,
    )
  }
  return new ComfyDepthProvider(runner, depthModel, template, gpu)
}
