import type { GpuMemory } from '../../contracts/telemetry.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { toPng } from '../../media/to-png.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { McpCall } from '../../models/types.js'
import { DEFAULT_TEMPLATES, getTemplate, type ComfyTemplate } from '../comfyui/templates/index.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import type { JobOutput, ModelJobRunner } from '../kinds/job.js'
import type { McpPool } from '../mcp/pool.js'
import { resolveToolModel, type ToolModelOptions } from './tool-model.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { ResolvedModel } from './provider.js'

/**
 * The image-with-references kind (image to image): an image made from a prompt and reference
 * images, e.g. a keyframe from the product photos and, for a last frame, its first frame. MCP
 * image tools (hosted, or the embedded preview server) and ComfyUI image-to-image templates
 * implement it; every call is a job of the run's job runner, whose download-and-verify path
 * fetches and converts the result to PNG.
 */

/** A reference image, in both forms a model may take it in. */
export interface ReferenceImage {
  /** PNG (or JPEG / WebP) bytes: ComfyUI uploads them as input images. */
  bytes: Uint8Array
  /** What an MCP tool receives: an http(s) URL it fetches itself, or a data URL of the bytes. */
  url: string
}

/** One image to make. */
export interface ReferenceImageRequest {
  prompt: string
  /** Requested size, px. */
  width: number
  height: number
  /** `W:H` (`16:9`), passed to MCP tools as `aspect_ratio`. */
  aspectRatio: string
  seed: number
  /** The reference images (product photos), in order. */
  references: readonly ReferenceImage[]
  /** The image the result continues from (a last frame's first frame), or null. */
  firstFrame: ReferenceImage | null
  /** For log lines and messages (`segment 2 (Body 1) last frame`). */
  what: string
}

/** One image made, converted to PNG (not resized). */
export interface ReferenceImageResult {
  png: Buffer
  /** The URL the model returned, if any. */
  url: string | null
  /** `mcpServers` key, or the ComfyUI base URL. */
  server: string
  /** The first MCP tool called, or null for ComfyUI. */
  tool: string | null
  /** The ComfyUI template that ran, or null. */
  workflow: string | null
  /** Model call time (submit → result), ms. */
  generationMs: number
  /** Download / decode time, ms; null when the bytes came inline. */
  downloadMs: number | null
  /** GPU memory of a ComfyUI job, or null. */
  gpuMemory: GpuMemory | null
  /** The job key of the run journal, when the run keeps one (the stage records its file under it). */
  jobKey?: string
  /** True when the run journal or the job cache answered (no model call). */
  reused?: boolean
}

/** Options of one call. */
export interface ReferenceImageCallOptions {
  /** The attempt's deadline and cancellation; its reason is rethrown. */
  signal: AbortSignal
  logger: Logger
}

/**
 * Anything that makes an image from a prompt and reference images. Get one from
 * {@link referenceImageProvider}; callers never look at which provider is behind it.
 */
export interface ReferenceImageProvider {
  readonly model: ResolvedModel
  /** `mcp`, `preview` or `comfyui`: recorded in telemetry. */
  readonly provider: 'mcp' | 'preview' | 'comfyui'
  /**
   * Why a call costs nothing (`preview server: …`, `local ComfyUI: …`), or null when it costs
   * the registry entry's `priceUsd` (unknown when the entry has none).
   */
  readonly noCharge: string | null
  /**
   * True when references must be sent as data URLs of small copies (the offline preview
   * server has no network); hosted tools may get the URLs the images were given as.
   */
  readonly offline: boolean
  /** Everything about the provider that changes its output (part of cache keys). */
  readonly cacheIdentity: string
  /**
   * @throws KamuiError the classified MCP / ComfyUI errors of the job runner (IMG_003,
   *   IMG_006, IMG_007, IMG_008, IMG_010, MCP_001, COMFY_*), GEN_001 for a failed job,
   *   GEN_002 when no media item is a valid image, COMFY_002 when a workflow returned no image
   */
  render(
    request: ReferenceImageRequest,
    options: ReferenceImageCallOptions,
  ): Promise<ReferenceImageResult>
}

/** What the providers run on: the model services' job runner, MCP pool and GPU probe. */
export interface ReferenceImageDeps {
  runner: ModelJobRunner
  /** For the input schema of a tool (whether it takes `first_frame_url`). */
  mcp: McpPool
  /** Opens the run's ComfyUI pool (parsing `comfyui-url`; no server is contacted). */
  comfy: () => unknown
  gpu: GpuCheckOptions
  /** Status polling interval of async MCP tools, ms (default: the entry's). */
  pollIntervalMs?: number
}

/**
 * The provider of a resolved model: its ComfyUI template (default `sdxl-image-to-image`) for a
 * `provider: comfyui` entry, else its MCP tools (hosted, or the preview server; a preview
 * stand-in passes the alias it stands in for as `model`).
 *
 * @throws KamuiError IMG_002 when the entry has no MCP call, or its ComfyUI template does not
 *   make images; CFG_003 when the template is not shipped; CFG_001 for a malformed
 *   `comfyui-url` (ComfyUI entries)
 */
export function referenceImageProvider(
  model: ResolvedModel,
  deps: ReferenceImageDeps,
): ReferenceImageProvider {
  return model.entry.provider === 'comfyui'
    ? new ComfyReferenceImageProvider(model, deps)
    : new McpReferenceImageProvider(model, deps)
}

/**
 * An MCP image tool (sync, or submit / status / result). The tool receives, of these, the
 * arguments its input schema declares: `prompt`, `image_urls` (the references; the first frame
 * comes first unless the tool declares `first_frame_url`, which then gets it), `first_frame_url`,
 * `width`, `height`, `image_size` (`{ width, height }`), `aspect_ratio`, `seed`, `num_images`
 * (1), `output_format` (`png`), `model` (preview stand-ins), plus the entry's `arguments`.
 */
class McpReferenceImageProvider implements ReferenceImageProvider {
  readonly provider: 'mcp' | 'preview'
  readonly noCharge: string | null
  readonly offline: boolean
  readonly cacheIdentity: string
  private readonly call: McpCall

  constructor(
    readonly model: ResolvedModel,
    private readonly deps: ReferenceImageDeps,
  ) {
    const { entry } = model
    if (!entry.call) throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call.`)
    this.call = entry.call
    this.offline = model.preview
    this.provider = model.preview ? 'preview' : 'mcp'
    this.noCharge = model.preview ? 'preview server: rendered offline, no charge' : null
    this.cacheIdentity = `mcp:${model.label}:${JSON.stringify(entry.call)}:${JSON.stringify(entry.arguments)}`
  }

  async render(
    request: ReferenceImageRequest,
    options: ReferenceImageCallOptions,
  ): Promise<ReferenceImageResult> {
    const { entry } = this.model
    const hints = [...(entry.serverHints ?? []), ...(entry.embedded ? [PREVIEW_SERVER_KEY] : [])]
    const first = this.call.type === 'sync' ? this.call.tool : this.call.submit
    const location = await this.deps.mcp.findTool(first, { signal: options.signal, hints })
    const products = request.references.map((r) => r.url)
    const firstFrame = request.firstFrame?.url
    const separateFirst = location.inputProperties.includes('first_frame_url')
    const standIn = this.model.preview && this.model.requested !== 'preview'
    const interval = this.deps.pollIntervalMs ?? entry.pollIntervalMs
    const output = await this.deps.runner.run(
      {
        provider: 'mcp',
        label: this.model.label,
        call: this.call,
        args: {
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
          ...(standIn ? { model: this.model.requested } : {}),
          ...entry.arguments,
        },
        hints,
        ...(interval !== undefined ? { pollIntervalMs: interval } : {}),
        answer: 'media',
      },
      options,
    )
    const fetched = await this.deps.runner.fetchMedia(output.media, {
      ...options,
      accept: 'image',
      verify: (bytes) => toPng(bytes),
    })
    return {
      ...resultOf(output),
      png: fetched.value.png,
      url: fetched.ref.url ?? null,
      tool: output.handle.tools[0] ?? null,
      downloadMs: fetched.downloaded ? fetched.downloadMs : null,
    }
  }
}

/**
 * A ComfyUI workflow template on the least-loaded healthy server of the run, after the GPU
 * memory check. The template gets the prompt, the seed and the size, and as input images, in
 * this order, the first frame (when given) and the references, as many as it takes: the shipped
 * image-to-image template takes one; a text-to-image template (`sdxl-local`) takes none. A
 * local GPU costs nothing per call.
 */
class ComfyReferenceImageProvider implements ReferenceImageProvider {
  readonly provider = 'comfyui'
  readonly noCharge = 'local ComfyUI: no per-call charge'
  readonly offline = false
  readonly cacheIdentity: string
  private readonly template: ComfyTemplate

  constructor(
    readonly model: ResolvedModel,
    private readonly deps: ReferenceImageDeps,
  ) {
    const { entry } = model
    this.template = getTemplate(entry.workflow ?? DEFAULT_TEMPLATES.imageToImage)
    if (this.template.produces !== 'image') {
      throw new KamuiError(
        'IMG_002',
        `model "${entry.alias}": its ComfyUI workflow ${this.template.name} makes ${this.template.produces}, not images.`,
      )
    }
    this.cacheIdentity = `comfyui:${entry.alias}:${this.template.name}`
    // A malformed comfyui-url fails here, before any model is called.
    deps.comfy()
  }

  async render(
    request: ReferenceImageRequest,
    options: ReferenceImageCallOptions,
  ): Promise<ReferenceImageResult> {
    const candidates = [
      ...(request.firstFrame ? [request.firstFrame.bytes] : []),
      ...request.references.map((r) => r.bytes),
    ]
    const output = await this.deps.runner.run(
      {
        provider: 'comfyui',
        label: this.model.label,
        template: this.template.name,
        params: {
          prompt: request.prompt,
          seed: request.seed,
          width: request.width,
          height: request.height,
          inputImages: candidates.slice(0, this.template.inputImages),
        },
        gpu: this.deps.gpu,
      },
      options,
    )
    const image = output.media.find((m) => m.mimeType?.startsWith('image/') && m.bytes)
    if (!image?.bytes) {
      throw new KamuiError(
        'COMFY_002',
        `ComfyUI ${output.handle.server}: the ${this.template.name} workflow of "${this.model.entry.alias}" returned no image for ${request.what}.`,
        { retryable: false },
      )
    }
    return { ...resultOf(output), png: (await toPng(image.bytes)).png, url: null, tool: null }
  }
}

/** The fields every provider takes from the job's output. */
function resultOf(
  output: JobOutput,
): Pick<
  ReferenceImageResult,
  'server' | 'workflow' | 'generationMs' | 'downloadMs' | 'gpuMemory' | 'jobKey' | 'reused'
> {
  return {
    server: output.handle.server,
    workflow: output.handle.workflow,
    generationMs: output.generationMs,
    downloadMs: output.downloadMs,
    gpuMemory: output.gpuMemory,
    ...(output.jobKey ? { jobKey: output.jobKey } : {}),
    ...(output.journal === 'reused' ? { reused: true } : {}),
  }
}

/** What {@link resolveReferenceImageModel} needs besides the alias. */
export interface ReferenceImageModelOptions extends ToolModelOptions {
  /** Whether ComfyUI models may run (self-hosted runners). */
  comfyui: boolean
}

/**
 * The model of an image-with-references alias: a `provider: comfyui` entry runs on the user's
 * own ComfyUI (never stood in for); any other alias is an MCP tool model
 * ({@link resolveToolModel}: the preview entry, a preview stand-in, or the hosted tool).
 *
 * @throws KamuiError IMG_002 for a ComfyUI entry when ComfyUI is not available, and as
 *   {@link resolveToolModel}
 */
export function resolveReferenceImageModel(
  registry: ModelRegistry,
  alias: string,
  o: ReferenceImageModelOptions,
): ResolvedModel {
  const entry = alias === 'preview' ? undefined : registry.find(alias)
  if (entry?.provider !== 'comfyui') return resolveToolModel(registry, alias, o)
  if (!o.comfyui) {
    throw new KamuiError(
      'IMG_002',
      `${o.input} "${alias}" runs on ComfyUI, which is not connected in this build; choose an MCP model or preview.`,
    )
  }
  return { requested: alias, entry, label: alias, preview: false }
}
