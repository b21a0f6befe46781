import { generateWithComfyUI } from '../../providers/comfyui/provider.js'
import type { ComfyPool } from '../../providers/comfyui/pool.js'
import { DEFAULT_TEMPLATES } from '../../providers/comfyui/templates/index.js'
import { KamuiError, isKamuiError } from '../../core/errors.js'
import type { GpuMemory as GpuMemoryRecord } from '../../contracts/telemetry.js'
import type { Logger } from '../../core/logger.js'
import { invokeTool } from '../../providers/mcp/invoke.js'
import type { McpPool } from '../../providers/mcp/pool.js'
import type { MediaRef } from '../../providers/mcp/types.js'
import { downloadMedia } from '../../media/download.js'
import { toPng } from '../../media/to-png.js'
import type { ModelEntry } from '../../models/types.js'
import { nearestAspectRatio } from './plan.js'

/** A model as a run uses it: what to call and what to record. */
export interface ResolvedModel {
  /** The alias the user asked for (or `auto` picked). */
  requested: string
  /** The registry entry actually called. */
  entry: ModelEntry
  /** The name recorded in outputs and reports: the alias, or `preview:<alias>` for stand-ins. */
  label: string
  /** True when the entry is the embedded preview server. */
  preview: boolean
}

/** What one image job asks for. */
export interface ImageJob {
  prompt: string
  seed: number
  /** Requested size in pixels. */
  width: number
  height: number
}

/** One generated image, converted to PNG and not yet written. */
export interface GeneratedImage {
  png: Buffer
  width: number
  height: number
  /** The URL the model returned, if any. */
  url: string | undefined
  server: string
  tools: string[]
  requestId: string | undefined
  /** Model call time (submit → result), ms. */
  generationMs: number
  /** GPU memory of a ComfyUI job (MiB), or null. */
  gpuMemory: GpuMemoryRecord | null
  /** The ComfyUI workflow template that ran, or null. */
  workflow: string | null
  /** Download / decode / PNG conversion time, ms. */
  downloadMs: number
}

/** Options of {@link requestImage} and {@link fetchImage}. */
export interface GenerateImageOptions {
  signal: AbortSignal
  logger: Logger
  /** The ComfyUI servers of the run, for `provider: comfyui` models. */
  comfyPool?: ComfyPool
  /** Environment for the GPU memory check (`nvidia-smi` on the PATH). */
  env?: Record<string, string | undefined>
  /** Status polling interval of submit/status/result tools, ms. */
  pollIntervalMs?: number
  /** Largest accepted download, bytes. */
  maxDownloadBytes?: number
}

/** What the model call of one attempt returned, before the media is fetched. */
export interface ModelAnswer {
  media: MediaRef[]
  server: string
  tools: string[]
  requestId: string | undefined
  /** Model call time (submit → result), ms. */
  generationMs: number
  /** GPU memory of a ComfyUI job (MiB); absent or null for hosted models (no GPU of ours). */
  gpuMemory?: GpuMemoryRecord | null
  /** The ComfyUI workflow template that ran, if any. */
  workflow?: string | null
}

/**
 * The model call of one attempt at one image: calls the model's MCP tool(s) (sync, or
 * submit → status → result) and returns the media references of the result. This is the part
 * that runs under the generation queue's limits; fetching the media ({@link fetchImage}) runs
 * after the slot is released, so a slow download never holds back another model call.
 *
 * @throws KamuiError IMG_002 when the model's tools are on no configured server (or the model's
 *   provider is not available), and the classified MCP errors (IMG_003, IMG_006, IMG_007,
 *   IMG_008, MCP_001, GEN_001)
 */
export async function requestImage(
  pool: McpPool,
  model: ResolvedModel,
  job: ImageJob,
  options: GenerateImageOptions,
): Promise<ModelAnswer> {
  const { entry } = model
  if (entry.provider === 'comfyui') return requestFromComfyUI(entry, job, options)
  if (!entry.call) {
    throw new KamuiError('CFG_003', `Model "${entry.alias}" has no MCP call in the registry.`, {
      retryable: false,
    })
  }
  const args: Record<string, unknown> = {
    prompt: job.prompt,
    seed: job.seed,
    width: job.width,
    height: job.height,
    aspect_ratio: nearestAspectRatio(job.width, job.height),
    num_images: 1,
    output_format: 'png',
    ...(model.preview && model.requested !== 'preview' ? { model: model.requested } : {}),
    ...entry.arguments,
  }
  const pollIntervalMs = options.pollIntervalMs ?? entry.pollIntervalMs
  const started = performance.now()
  const invoked = await invokeTool(pool, entry.call, args, {
    signal: options.signal,
    logger: options.logger,
    hints: entry.serverHints,
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
  })
  return {
    media: invoked.media,
    server: invoked.server,
    tools: invoked.tools,
    requestId: invoked.requestId,
    generationMs: Math.round(performance.now() - started),
    gpuMemory: null,
    workflow: null,
  }
}

/**
 * A `provider: comfyui` model: runs its workflow template on the least-loaded healthy server
 * of the run's ComfyUI pool, after checking free GPU memory (IMG_010 when short).
 *
 * @throws KamuiError IMG_002 when the run has no ComfyUI pool, and the ComfyUI errors
 *   (COMFY_001, COMFY_002, IMG_003, IMG_008, IMG_010)
 */
async function requestFromComfyUI(
  entry: ResolvedModel['entry'],
  job: ImageJob,
  options: GenerateImageOptions,
): Promise<ModelAnswer> {
  if (!options.comfyPool) {
    throw new KamuiError(
      'IMG_002',
      `Model "${entry.alias}" needs a ComfyUI server: set comfyui-url.`,
      {
        retryable: false,
      },
    )
  }
  const result = await generateWithComfyUI(
    options.comfyPool,
    entry.workflow ?? DEFAULT_TEMPLATES.textToImage,
    {
      prompt: job.prompt,
      seed: job.seed,
      width: job.width,
      height: job.height,
      overrides: entry.arguments as Record<string, string | number | boolean>,
    },
    { signal: options.signal, logger: options.logger, gpu: { env: options.env ?? {} } },
  )
  return {
    media: result.outputs.map((o) => ({
      source: 'image' as const,
      bytes: o.bytes,
      mimeType: o.mediaType,
    })),
    server: result.server,
    tools: [],
    requestId: result.promptId,
    generationMs: result.generationMs,
    gpuMemory: result.gpuMemory,
    workflow: result.template,
  }
}

/**
 * Fetches the first usable media item of a model answer: decoded bytes, or a URL downloaded
 * at once (hosted URLs expire within about an hour; downloads are capped, type-checked and
 * retried on transient failures), verified as an image and converted to PNG.
 *
 * @throws KamuiError GEN_002 when no media item is a valid image (the last reason), and the
 *   download errors (IMG_006, IMG_008) when retries run out
 */
export async function fetchImage(
  answer: ModelAnswer,
  options: GenerateImageOptions,
): Promise<GeneratedImage> {
  const started = performance.now()
  let lastError: unknown
  for (const ref of answer.media) {
    try {
      const bytes =
        ref.bytes ??
        (
          await downloadMedia(ref.url as string, {
            signal: options.signal,
            accept: 'image',
            ...(options.maxDownloadBytes !== undefined
              ? { maxBytes: options.maxDownloadBytes }
              : {}),
          })
        ).bytes
      const png = await toPng(bytes)
      return {
        png: png.png,
        width: png.width,
        height: png.height,
        url: ref.url,
        server: answer.server,
        tools: answer.tools,
        requestId: answer.requestId,
        generationMs: answer.generationMs,
        gpuMemory: answer.gpuMemory ?? null,
        workflow: answer.workflow ?? null,
        downloadMs: Math.round(performance.now() - started),
      }
    } catch (error) {
      if (!isKamuiError(error, 'GEN_002')) throw error
      lastError = error
      options.logger.warn(`${error.message} Trying the next media item of the result.`)
    }
  }
  throw lastError ?? new KamuiError('GEN_001', 'The model result held no media.')
}
