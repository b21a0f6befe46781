import type { GpuCheckOptions } from '../gpu/check.js'
import { DEFAULT_TEMPLATES } from '../comfyui/templates/index.js'
import { KamuiError } from '../../core/errors.js'
import { toPng } from '../../media/to-png.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { ModelJob, ModelJobRunner } from '../kinds/job.js'
import { nearestAspectRatio } from './aspect.js'
import type {
  GeneratedImage,
  ImageCallOptions,
  ImageJob,
  ImageProvider,
  ModelAnswer,
  ResolvedModel,
} from './provider.js'

/**
 * An {@link ImageProvider} whose model call is a job of the run's job runner: the MCP and
 * ComfyUI implementations differ only in the job they describe ({@link mcpImageJob},
 * {@link comfyImageJob}); calling, polling, downloading and verifying are the runner's.
 */
export class RunnerImageProvider implements ImageProvider {
  constructor(
    readonly model: ResolvedModel,
    private readonly runner: ModelJobRunner,
    private readonly jobOf: (job: ImageJob) => ModelJob,
  ) {}

  async request(job: ImageJob, options: ImageCallOptions): Promise<ModelAnswer> {
    const output = await this.runner.run(this.jobOf(job), options)
    return {
      media: output.media,
      server: output.handle.server,
      tools: output.handle.tools,
      requestId: output.handle.id,
      generationMs: output.generationMs,
      gpuMemory: output.gpuMemory,
      workflow: output.handle.workflow,
      ...(output.jobKey !== undefined ? { jobKey: output.jobKey } : {}),
      ...(output.journal !== undefined ? { journal: output.journal } : {}),
    }
  }

  async fetch(answer: ModelAnswer, options: ImageCallOptions): Promise<GeneratedImage> {
    const fetched = await this.runner.fetchMedia(answer.media, {
      ...options,
      accept: 'image',
      verify: (bytes) =>
        toPng(bytes, options.maxPixels !== undefined ? { maxPixels: options.maxPixels } : {}),
    })
    const { media: _media, ...call } = answer
    return {
      ...call,
      png: fetched.value.png,
      width: fetched.value.width,
      height: fetched.value.height,
      url: fetched.ref.url,
      downloadMs: fetched.downloadMs,
    }
  }
}

/**
 * The job of an MCP image model (hosted, or the preview server): arguments `prompt`, `seed`,
 * `width`, `height`, `aspect_ratio` (nearest supported), `num_images: 1`, `output_format: png`,
 * plus `model` for a preview stand-in and the entry's constant `arguments`.
 *
 * @throws KamuiError CFG_003 when the entry has no MCP call
 */
export function mcpImageJob(
  model: ResolvedModel,
  pollIntervalMs: number | undefined,
): (job: ImageJob) => ModelJob {
  const { entry } = model
  const call = entry.call
  if (!call) {
    throw new KamuiError('CFG_003', `Model "${entry.alias}" has no MCP call in the registry.`, {
      retryable: false,
    })
  }
  const interval = pollIntervalMs ?? entry.pollIntervalMs
  const hints = [...(entry.serverHints ?? []), ...(entry.embedded ? [PREVIEW_SERVER_KEY] : [])]
  return (job) => ({
    provider: 'mcp',
    label: model.label,
    call,
    args: {
      prompt: job.prompt,
      seed: job.seed,
      width: job.width,
      height: job.height,
      aspect_ratio: nearestAspectRatio(job.width, job.height),
      num_images: 1,
      output_format: 'png',
      ...(model.preview && model.requested !== 'preview' ? { model: model.requested } : {}),
      ...entry.arguments,
    },
    hints,
    ...(interval !== undefined ? { pollIntervalMs: interval } : {}),
    answer: 'media',
  })
}

/**
 * The job of a `provider: comfyui` image model: its workflow template (default SDXL
 * text-to-image) with prompt, seed and size, the entry's `arguments` as node overrides.
 */
export function comfyImageJob(
  model: ResolvedModel,
  gpu: GpuCheckOptions,
): (job: ImageJob) => ModelJob {
  const { entry } = model
  return (job) => ({
    provider: 'comfyui',
    label: model.label,
    template: entry.workflow ?? DEFAULT_TEMPLATES.textToImage,
    params: {
      prompt: job.prompt,
      seed: job.seed,
      width: job.width,
      height: job.height,
      overrides: entry.arguments as Record<string, string | number | boolean>,
    },
    gpu,
  })
}
