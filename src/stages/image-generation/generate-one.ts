import { KamuiError, isKamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { invokeTool } from '../../mcp/invoke.js'
import type { McpPool } from '../../mcp/pool.js'
import type { MediaRef } from '../../mcp/types.js'
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
  /** Download / decode / PNG conversion time, ms. */
  downloadMs: number
}

/** Options of {@link generateImage}. */
export interface GenerateImageOptions {
  signal: AbortSignal
  logger: Logger
  /** Status polling interval of submit/status/result tools, ms. */
  pollIntervalMs?: number
  /** Largest accepted download, bytes. */
  maxDownloadBytes?: number
}

/**
 * One attempt at one image: calls the model's MCP tool(s), takes the first usable media item
 * of the result (bytes, or a URL downloaded at once because hosted URLs expire within about an
 * hour), verifies that it is an image and converts it to PNG.
 *
 * @throws KamuiError IMG_002 when the model's tools are on no configured server (or the model's
 *   provider is not available), GEN_002 when no media item is a valid image, and the classified
 *   MCP / download errors (IMG_003, IMG_006, IMG_007, IMG_008, MCP_001, GEN_001)
 */
export async function generateImage(
  pool: McpPool,
  model: ResolvedModel,
  job: ImageJob,
  options: GenerateImageOptions,
): Promise<GeneratedImage> {
  const { entry } = model
  if (entry.provider !== 'mcp' || !entry.call) {
    throw new KamuiError(
      'IMG_002',
      `Model "${entry.alias}" uses the ${entry.provider} provider, which this version of the suite does not include yet.`,
      { retryable: false },
    )
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
  const started = performance.now()
  const invoked = await invokeTool(pool, entry.call, args, {
    signal: options.signal,
    logger: options.logger,
    hints: entry.serverHints,
    ...((options.pollIntervalMs ?? entry.pollIntervalMs) !== undefined
      ? { pollIntervalMs: options.pollIntervalMs ?? entry.pollIntervalMs }
      : {}),
  })
  const generationMs = Math.round(performance.now() - started)

  const downloadStarted = performance.now()
  const image = await firstImage(invoked.media, options)
  return {
    ...image,
    server: invoked.server,
    tools: invoked.tools,
    requestId: invoked.requestId,
    generationMs,
    downloadMs: Math.round(performance.now() - downloadStarted),
  }
}

async function firstImage(
  media: readonly MediaRef[],
  options: GenerateImageOptions,
): Promise<{ png: Buffer; width: number; height: number; url: string | undefined }> {
  let lastError: unknown
  for (const ref of media) {
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
      return { png: png.png, width: png.width, height: png.height, url: ref.url }
    } catch (error) {
      if (!isKamuiError(error, 'GEN_002')) throw error
      lastError = error
      options.logger.warn(`${error.message} Trying the next media item of the result.`)
    }
  }
  throw lastError ?? new KamuiError('GEN_001', 'The model result held no media.')
}
