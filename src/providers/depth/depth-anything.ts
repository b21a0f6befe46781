import { abortReason } from '../../core/abort.js'
import { isKamuiError, KamuiError } from '../../core/errors.js'
import type { DepthMap } from '../../media/pointcloud/depth-map.js'
import { ensureCpuModel, type CachedModel, type CpuModelOptions } from '../../models/cpu/cache.js'
import { DEPTH_ANYTHING_V2_SMALL, modelLabel, type CpuModel } from '../../models/cpu/catalog.js'
import {
  loadTransformers,
  peakRssMib,
  rssMib,
  type CpuModelRun,
  type TransformersModule,
} from '../../models/cpu/transformers.js'
import type { DepthEstimate, DepthProvider, DepthRequest, DepthSourceInfo } from './provider.js'

/** The `depth-model` value of Depth Anything V2 Small on the CPU. */
export const DEPTH_ANYTHING_MODEL = DEPTH_ANYTHING_V2_SMALL.key

type DepthPipeline = Awaited<ReturnType<TransformersModule['pipeline']>>

const pipelines = new Map<string, Promise<DepthPipeline>>()

/**
 * Depth Anything V2 Small on the runner's CPU (issue 17): the pinned model from the model cache
 * (downloaded from the Hub on first use, see `ensureCpuModel`), run by transformers.js's
 * `depth-estimation` pipeline on onnxruntime-node. The pipeline resizes the image as the
 * model's `preprocessor_config.json` says (DPT: keep the aspect ratio, a multiple of 14,
 * ImageNet mean and std) and resizes `predicted_depth` back to the image (bilinear). The
 * relative depth (bigger = nearer) is then mapped to 0–1 by min–max, 1 = nearest, the suite's
 * convention for `depth_gray.png` and the PLY.
 *
 * @throws KamuiError PC_003 when the model is not cached and cannot be downloaded, or the
 *   runtime cannot be loaded (the message names the model, the cache folder and how to fill it)
 */
export class DepthAnythingProvider implements DepthProvider {
  readonly name = DEPTH_ANYTHING_MODEL

  /**
   * @param hint a sentence appended to PC_003 messages (why this model was chosen, other ways
   *   to provide depth), or undefined
   */
  constructor(
    private readonly options: CpuModelOptions,
    private readonly model: CpuModel = DEPTH_ANYTHING_V2_SMALL,
    private readonly hint?: string,
  ) {}

  async estimate(request: DepthRequest): Promise<DepthEstimate> {
    const rssBefore = rssMib()
    const loadStarted = performance.now()
    const { cached, transformers } = await this.runtime(request).catch((error: unknown) => {
      if (this.hint && isKamuiError(error, 'PC_003')) {
        throw new KamuiError('PC_003', `${error.detail} ${this.hint}`, { cause: error.cause })
      }
      throw error
    })
    let pipe = pipelines.get(cached.dir)
    if (!pipe) {
      pipe = transformers.pipeline('depth-estimation', cached.dir, {
        device: 'cpu',
        dtype: this.model.dtype,
      }) as Promise<DepthPipeline>
      pipelines.set(cached.dir, pipe)
      pipe.catch(() => pipelines.delete(cached.dir))
    }
    const estimator = await pipe
    const loadMs = Math.round(performance.now() - loadStarted - (cached.downloadMs ?? 0))
    if (request.signal.aborted) throw abortReason(request.signal)
    const started = performance.now()
    const image = new transformers.RawImage(
      new Uint8ClampedArray(request.rgb.data),
      request.rgb.width,
      request.rgb.height,
      3,
    )
    const output = (await (estimator as unknown as (i: unknown) => Promise<unknown>)(image)) as {
      predicted_depth: { dims: number[]; data: Float32Array }
    }
    const depth = normaliseDepth(output.predicted_depth)
    const inferenceMs = Math.round(performance.now() - started)
    const run: CpuModelRun = {
      key: this.model.key,
      model_id: this.model.id,
      revision: this.model.revision,
      catalog: catalogOf(this.model),
      download_ms: cached.downloadMs,
      load_ms: loadMs,
      inference_ms: inferenceMs,
      rss_before_mib: rssBefore,
      rss_after_mib: rssMib(),
      peak_rss_mib: peakRssMib(),
    }
    request.logger.info(
      `Depth by ${modelLabel(this.model)} on the CPU: ${depth.width}x${depth.height} in ${inferenceMs} ms ` +
        `(load ${loadMs} ms, peak RSS ${run.peak_rss_mib} MiB).`,
    )
    return {
      depth,
      source: sourceOf(this.model),
      generationMs: inferenceMs,
      downloadMs: cached.downloadMs,
      gpuMemory: null,
      attempts: 1,
      cpuModel: run,
    }
  }

  /** The model files in the cache (downloaded when needed) and the loaded runtime. */
  private async runtime(
    request: DepthRequest,
  ): Promise<{ cached: CachedModel; transformers: TransformersModule }> {
    const cached = await ensureCpuModel(this.model, this.options, {
      code: 'PC_003',
      logger: request.logger,
      signal: request.signal,
    })
    return { cached, transformers: await loadTransformers('PC_003') }
  }
}

/** Telemetry's `cpu_model.catalog`: null for the built-in pin, else the catalog file and what it replaced. */
function catalogOf(model: CpuModel): CpuModelRun['catalog'] {
  if (!model.catalog) return null
  const { file, replaces } = model.catalog
  return { file, replaces: { model_id: replaces.id, revision: replaces.revision } }
}

/** The depth source of a CPU model, for outputs, telemetry and the PLY header. */
function sourceOf(model: CpuModel): DepthSourceInfo {
  const telemetry = {
    alias: model.key,
    provider: 'cpu',
    server: null,
    tool: null,
    workflow: null,
    model_id: model.id,
    revision: model.revision,
  }
  return {
    // A replacing catalog entry is named in the label too (output, PLY header, provenance).
    label: model.catalog ? `cpu:${model.key} (${modelLabel(model)})` : `cpu:${model.key}`,
    kind: 'cpu',
    model: telemetry,
    preview: false,
    heuristic: false,
    notice: null,
  }
}

/**
 * `predicted_depth` (`[H, W]` or `[1, H, W]`, relative, bigger = nearer) mapped to 0–1 by
 * min–max (1 = nearest); a constant map becomes all 0.5 (no relief, no division by zero).
 */
export function normaliseDepth(tensor: { dims: number[]; data: ArrayLike<number> }): DepthMap {
  const dims = tensor.dims
  const height = dims[dims.length - 2] as number
  const width = dims[dims.length - 1] as number
  const values = new Float32Array(width * height)
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = tensor.data[i] as number
    if (v < min) min = v
    if (v > max) max = v
  }
  const span = max - min
  for (let i = 0; i < values.length; i++) {
    values[i] = span > 0 ? ((tensor.data[i] as number) - min) / span : 0.5
  }
  return { width, height, values }
}
