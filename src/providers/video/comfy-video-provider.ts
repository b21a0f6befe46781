import { generateWithComfyUI } from '../comfyui/provider.js'
import type { ComfyPool } from '../comfyui/pool.js'
import { KamuiError } from '../../core/errors.js'
import type { GpuCheckOptions } from '../gpu/check.js'
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
   * @param pool the ComfyUI servers of the run (nothing is contacted before the first clip)
   * @param alias the model name asked for (recorded as the label)
   * @param template the workflow template (default: `alias`)
   * @param gpu the GPU memory check (its `env` finds `nvidia-smi`: the stage context's env)
   */
  constructor(
    private readonly pool: ComfyPool,
    readonly alias: string,
    private readonly template: string = alias,
    private readonly gpu: GpuCheckOptions = {},
  ) {
    this.label = alias
  }

  /**
   * @throws KamuiError the ComfyUI errors of `generateWithComfyUI` (IMG_003 deadline, IMG_008
   *   no server, IMG_010 GPU memory, COMFY_001 rejected workflow, COMFY_002 failed node or no
   *   output file)
   */
  async generate(r: ClipRequest, o: GenerateClipOptions): Promise<ClipMedia> {
    const res = await generateWithComfyUI(
      this.pool,
      this.template,
      {
        prompt: r.prompt,
        seed: r.seed,
        fps: r.fps,
        frames: Math.max(1, Math.round(r.durationS * r.fps)),
        width: r.first.width,
        height: r.first.height,
        inputImages: [r.first.png],
      },
      { signal: o.signal, logger: o.logger, gpu: this.gpu },
    )
    const out = res.outputs.find((x) => x.mediaType.startsWith('video/')) ?? res.outputs[0]
    if (!out) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${res.server}: the ${this.template} workflow finished without an output file for segment ${r.segment}.`,
        { retryable: false },
      )
    }
    return {
      bytes: out.bytes,
      url: undefined,
      server: res.server,
      tools: [],
      workflow: res.template,
      requestId: res.promptId,
      generationMs: res.generationMs,
      downloadMs: res.downloadMs,
      gpuMemory: res.gpuMemory,
    }
  }
}
