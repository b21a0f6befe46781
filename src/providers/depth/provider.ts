import type { Logger } from '../../core/logger.js'
import type { RgbImage } from '../../media/raster/rgb-image.js'
import type { Cost, GpuMemory, ModelTelemetry } from '../../contracts/telemetry.js'
import type { DepthMap } from '../../media/pointcloud/depth-map.js'
import type { CpuModelRun } from '../../models/cpu/transformers.js'

/** How a depth map was obtained, for outputs, metadata and the PLY header. */
export interface DepthSourceInfo {
  /**
   * Short label used in the `depth-source` output: `mcp:<tool>`, `comfyui:<template>`,
   * `depth-image:<path>`, `preview`, `luminance-heuristic`, `cpu:<model>` (a model on the CPU).
   */
  label: string
  kind: 'mcp' | 'comfyui' | 'depth-image' | 'preview' | 'heuristic' | 'cpu'
  /** The model (or tool, or workflow) that estimated it; null for a given image or a heuristic. */
  model: ModelTelemetry | null
  /** True for the preview server's placeholder depth (not a model). */
  preview: boolean
  /** True for a depth guessed from the picture by a fixed rule (not a model). */
  heuristic: boolean
  /** A sentence for logs, reports and the PLY header when the depth is not a model's, else null. */
  notice: string | null
}

/** The image whose depth is wanted. */
export interface DepthRequest {
  /** PNG bytes of the image (EXIF orientation applied). */
  png: Buffer
  width: number
  height: number
  /** The same image decoded to 8-bit RGB. */
  rgb: RgbImage
  /** Aborts on the deadline or cancellation; its reason is rethrown. */
  signal: AbortSignal
  logger: Logger
}

/** A depth estimate, at whatever size the source produced (the stage resizes it). */
export interface DepthEstimate {
  depth: DepthMap
  source: DepthSourceInfo
  /** Time the model (or computation) took, ms. */
  generationMs: number
  /** Time spent downloading or decoding the result, ms; null when nothing was fetched. */
  downloadMs: number | null
  /** GPU memory of a self-hosted model run, or null. */
  gpuMemory: GpuMemory | null
  /** Model calls made (attempts); 0 for a given image or a heuristic. */
  attempts: number
  /** The job key of the run journal, when a model job made it (the stage records its depth file under it). */
  jobKey?: string
  /** Model, revision, time and memory of a model run on the CPU (`depth-anything-v2-small`). */
  cpuModel?: CpuModelRun
}

/**
 * Anything that turns an image into a depth map. Built in: an MCP tool (hosted or the preview
 * server's), a depth image given as input, and the luminance heuristic. Others (the ComfyUI
 * depth workflow) plug in through `PointcloudDeps.depthProvider`.
 */
export interface DepthProvider {
  /** What `depth-model` named, for messages. */
  readonly name: string
  estimate(request: DepthRequest): Promise<DepthEstimate>
}

/**
 * The telemetry cost of a depth estimate: nothing for the preview server and a local ComfyUI
 * run, unknown (`usd: null`) for a model reached through MCP (depth tools have no registry
 * price), null when no model made it (a given depth image, the heuristic).
 */
export function depthCost(source: DepthSourceInfo): Cost | null {
  if (source.kind === 'preview')
    return { usd: 0, basis: 'preview server: computed offline, no charge' }
  if (source.kind === 'comfyui') return { usd: 0, basis: 'local ComfyUI: no per-call charge' }
  if (source.kind === 'cpu')
    return { usd: 0, basis: 'model run on the runner CPU: no per-call charge' }
  if (source.model)
    return { usd: null, basis: 'price unknown: depth tools have no price in the model registry' }
  return null
}
