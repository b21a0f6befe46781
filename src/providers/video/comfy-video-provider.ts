import { KamuiError } from '../../core/errors.js'
import type { ModelRegistry } from '../../models/registry.js'
import { TEMPLATES } from '../comfyui/templates/index.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import type { ModelJobRunner } from '../kinds/job.js'
import type { ClipMedia, ClipRequest, GenerateClipOptions, VideoProvider } from './provider.js'

/**
 * A video model that is a ComfyUI image-to-video workflow template (SPEC §3.2; the shipped one
 * is `svd-image-to-video`, Stable Video Diffusion XT) on the self-hosted runner's ComfyUI
 * servers. Each clip is one job on the least-loaded healthy server of `pool`, after the GPU
 * memory check: the first frame is uploaded as the template's input image, and `seed`, `fps`,
 * the first frame's size and `frames = max(1, round(durationS · fps))` are set through the
 * template's mapping (`prompt` too, for templates that declare one). The clip is the first
 * `video/*` file of the output node (else its first file); the stage converts non-MP4 output
 * and measures it. The model cannot end on a given last frame.
 */
export class ComfyVideoProvider implements VideoProvider {
  readonly provider = 'comfyui'
  readonly preview = false
  readonly acceptsLastFrame = false
  readonly requiresLastFrame = false
  readonly label: string

  /**
   * @param runner the job runner of the run (its ComfyUI servers are contacted at the first clip)
   * @param alias the model name asked for (recorded as the label)
   * @param template the workflow template (default: `alias`)
   * @param gpu the GPU memory check (its `env` finds `nvidia-smi`: the stage context's env)
   */
  constructor(
    private readonly runner: ModelJobRunner,
    readonly alias: string,
    private readonly template: string = alias,
    private readonly gpu: GpuCheckOptions = {},
  ) {
    this.label = alias
  }

  /**
   * @throws KamuiError the ComfyUI errors of the job runner (IMG_003 deadline, IMG_008
   *   no server, IMG_010 GPU memory, COMFY_001 rejected workflow, COMFY_002 failed node or no
   *   output file)
   */
  async generate(r: ClipRequest, o: GenerateClipOptions): Promise<ClipMedia> {
    const res = await this.runner.run(
      {
        provider: 'comfyui',
        label: `segment ${r.segment} (${this.label})`,
        template: this.template,
        params: {
          prompt: r.prompt,
          seed: r.seed,
          fps: r.fps,
          frames: Math.max(1, Math.round(r.durationS * r.fps)),
          width: r.first.width,
          height: r.first.height,
          inputImages: [r.first.png],
        },
        gpu: this.gpu,
      },
      { signal: o.signal, logger: o.logger },
    )
    const out = res.media.find((x) => x.mimeType?.startsWith('video/')) ?? res.media[0]
    if (!out) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${res.handle.server}: the ${this.template} workflow finished without an output file for segment ${r.segment}.`,
        { retryable: false },
      )
    }
    return {
      bytes: out.bytes as Uint8Array,
      url: undefined,
      server: res.handle.server,
      tools: [],
      workflow: res.handle.workflow,
      requestId: res.handle.id,
      generationMs: res.generationMs,
      downloadMs: res.downloadMs ?? 0,
      ...(res.jobKey ? { jobKey: res.jobKey } : {}),
      ...(res.journal ? { journal: res.journal } : {}),
      gpuMemory: res.gpuMemory,
    }
  }
}

/**
 * The ComfyUI video provider for a `model` name, or undefined when the name is not a ComfyUI
 * image-to-video model: a shipped video template (`svd-image-to-video`), `comfyui:<template>`,
 * or a registry alias of kind video with `provider: comfyui` (its `workflow`). Nothing is
 * contacted before the first clip; the GPU check finds `nvidia-smi` through `gpu.env`.
 */
export function comfyVideoProviderFor(
  model: string,
  registry: ModelRegistry,
  runner: ModelJobRunner,
  gpu: GpuCheckOptions,
): ComfyVideoProvider | undefined {
  const name = model.replace(/^comfyui:/i, '')
  const entry = registry.find(model)
  const template =
    TEMPLATES[name]?.produces === 'video' && (!entry || /^comfyui:/i.test(model))
      ? name
      : entry?.provider === 'comfyui' && entry.kind === 'video'
        ? entry.workflow
        : undefined
  if (template === undefined) return undefined
  return new ComfyVideoProvider(runner, model, template, gpu)
}
