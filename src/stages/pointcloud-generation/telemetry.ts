import type { Redactor } from '../../core/redactor.js'
import { depthCost, type DepthEstimate } from '../../providers/depth/provider.js'
import type { PointCloud } from '../../media/pointcloud/sample.js'
import { DEFAULT_DEPTH_SCALE } from '../../media/pointcloud/sample.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../../output/telemetry/artifacts.js'
import type { RunInfo } from '../../output/telemetry/run-info.js'
import type { StageDoneMarker } from '../../contracts/telemetry.js'
import type { PointcloudInputs } from './inputs.js'
import type { CostSummary } from '../../contracts/cost.js'
import { POINTCLOUD_FILES } from './files.js'

/** What {@link writePointcloudTelemetry} needs from the run. */
export interface PointcloudTelemetryInput {
  /** Absolute output folder. */
  folder: string
  run: RunInfo
  endedAt: Date
  estimate: DepthEstimate
  cloud: PointCloud
  inputs: PointcloudInputs
  /** The run's cost block (issue 11), written as the stage record's `cost`; absent: none. */
  cost?: CostSummary | undefined
  redactor: Redactor
  /** The stage's done-marker check of its input image (`done_marker` of the record). */
  doneMarker: StageDoneMarker
}

/**
 * Writes `metadata/artifact-metadata.json` (SPEC §7) for a point-cloud run: `depth_gray.png`
 * with the depth source as its model (null for a given depth image or the heuristic), its
 * timings and `preview` / `heuristic` flags; `depth.png` derived from it; `pointcloud.ply` with
 * the point count, format, stride and colour mode; at the top of the record, the run's `cost`
 * block (`CostSummary`: estimated against actual, budget, refused jobs), the stage's only
 * report. Earlier stages' records in the same folder are kept.
 *
 * @returns the path of the file written
 */
export async function writePointcloudTelemetry(input: PointcloudTelemetryInput): Promise<string> {
  const { folder, estimate, cloud, inputs } = input
  const source = estimate.source
  const labels = {
    preview: source.preview,
    heuristic: source.heuristic,
    depth_source: source.label,
    depth_source_kind: source.kind,
    ...(source.notice ? { notice: source.notice } : {}),
  }
  const cost = depthCost(source)
  const depthGray = await describeArtifact(folder, POINTCLOUD_FILES.depthGray, {
    model: source.model,
    timings: {
      queue_wait_ms: null,
      generation_ms: estimate.generationMs,
      download_ms: estimate.downloadMs,
      total_ms: estimate.generationMs + (estimate.downloadMs ?? 0),
    },
    attempts: estimate.attempts,
    gpu_memory: estimate.gpuMemory,
    cost,
    bit_depth: 16,
    near: 'white',
    ...(estimate.cpuModel ? { cpu_model: estimate.cpuModel } : {}),
    ...labels,
  })
  const depthMap = await describeArtifact(folder, POINTCLOUD_FILES.depthMap, {
    derived_from: POINTCLOUD_FILES.depthGray,
    colormap: 'plasma (piecewise-linear through 5 stops), far = dark, near = yellow',
    ...labels,
  })
  const ply = await describeArtifact(folder, POINTCLOUD_FILES.ply, {
    derived_from: [inputs.inputImagePath, POINTCLOUD_FILES.depthGray],
    point_count: cloud.count,
    max_points: inputs.maxPoints,
    stride: cloud.stride,
    ply_format: inputs.plyFormat,
    color_mode: inputs.colorMode,
    depth_scale: DEFAULT_DEPTH_SCALE,
    ...labels,
  })
  const record = buildArtifactMetadata({
    stage: 'pointcloud-generation',
    run: input.run,
    endedAt: input.endedAt,
    artifacts: [depthGray, depthMap, ply],
    doneMarker: input.doneMarker,
  })
  // The stage record is an open object: the cost block rides on it (no report file of its own).
  if (input.cost) Object.assign(record, { cost: input.cost })
  return (await writeArtifactMetadata(folder, record, input.redactor)).file
}
