import type { Logger } from '../../core/logger.js'
import type { StageContext } from '../../core/stage-context.js'
import type { Plan } from '../../contracts/plan.js'
import type { LoadedImage } from '../../media/pointcloud/load-image.js'
import { chooseDepthSource } from '../../providers/depth/choose.js'
import { comfyDepthProviderFor } from '../../providers/depth/comfy-depth-provider.js'
import { McpDepthProvider } from '../../providers/depth/mcp.js'
import type { DepthProvider } from '../../providers/depth/provider.js'
import { planStageJobs } from '../../runner/dry-run.js'
import type { JobToPlan } from '../../runner/job-plan.js'
import { JobRecorder } from '../../runner/job-recorder.js'
import type { ModelServices } from '../../runner/services.js'
import type { PointcloudInputs } from './inputs.js'
import type { PointcloudDeps } from './run.js'
import { pointcloudCache } from './durable.js'

/** The depth source of a run as the plan sees it: a provider built on a recorder, or why none. */
interface PlannedSource {
  /** A provider whose model job the recorder records; undefined when no job is planned. */
  provider: DepthProvider | undefined
  /** Why no job is planned (a CPU model, a plug-in), or undefined. */
  note: string | undefined
}

/**
 * The depth source `chooseDepthSource` picks for the run (same inputs, same order), with its
 * model job run by `recorder`: an MCP depth tool (hosted or the preview server's placeholder)
 * or a shipped ComfyUI depth template. A CPU model, a plug-in of `deps` (a runner of its own),
 * a given depth image and the luminance heuristic get no planned job, with a note.
 *
 * @throws KamuiError PC_001 no depth source, CFG_001 a malformed tool name
 */
function plannedSource(
  inputs: PointcloudInputs,
  services: ModelServices,
  deps: PointcloudDeps,
  depthImage: { file: string; shown: string } | undefined,
  recorder: JobRecorder,
  logger: Logger,
): PlannedSource {
  let plugin: string | undefined
  let comfy: DepthProvider | undefined
  const choice = chooseDepthSource({
    depthModel: inputs.depthModel,
    depthImage,
    hasMcpConfig: inputs.mcpConfig !== undefined,
    custom: (name) => {
      const own = deps.depthProvider?.(name, { logger })
      if (own) plugin = own.name
      else comfy = comfyDepthProviderFor(name, recorder, services.gpu)
      return own ?? comfy
    },
  })
  // The polling interval is not part of the job key, and the recorded job is never run.
  if (choice.kind === 'mcp')
    return { provider: new McpDepthProvider(recorder, services.mcp, choice.tool), note: undefined }
  if (choice.kind === 'cpu')
    return {
      provider: undefined,
      note:
        `${choice.model} runs on the runner's CPU: no model job, no charge` +
        (choice.fallback
          ? '; when it cannot be had, the preview placeholder tool stands in (not planned, $0).'
          : '.'),
    }
  if (plugin !== undefined)
    return {
      provider: undefined,
      note: `${plugin} is a plug-in depth provider with a job runner of its own: its job is not planned.`,
    }
  if (choice.provider === comfy) return { provider: comfy, note: undefined }
  return {
    provider: undefined,
    note: `${choice.provider.name}: no model job (the depth is read or computed locally), no charge.`,
  }
}

/**
 * The plan of the point cloud's depth job (issue 11): the job the chosen depth source would
 * run for `image`, built on a `JobRecorder` (the same job key as the real run), looked up in
 * the folder's run journal and the job cache and priced; no job for a source that runs none
 * (a note says why). Calls no model: an MCP depth tool's server is asked only for its tool
 * list (to know the call form, as the real run does before its call).
 *
 * @throws KamuiError PC_001 no depth source (or no server with the tool), CFG_001 inputs
 */
export async function planDepthJob(
  image: LoadedImage,
  inputs: PointcloudInputs,
  context: StageContext,
  services: ModelServices,
  options: { deps: PointcloudDeps; depthImage: { file: string; shown: string } | undefined },
): Promise<Plan> {
  const recorder = new JobRecorder()
  const source = plannedSource(
    inputs,
    services,
    options.deps,
    options.depthImage,
    recorder,
    context.logger,
  )
  const jobs: JobToPlan[] = []
  const notes = source.note ? [source.note] : []
  if (source.provider) {
    const provider = source.provider
    const job = await recorder.capture(() =>
      provider.estimate({
        png: image.png,
        width: image.rgb.width,
        height: image.rgb.height,
        rgb: image.rgb,
        signal: context.signal ?? new AbortController().signal,
        logger: context.logger,
      }),
    )
    if (job) jobs.push({ job, kind: 'depth' })
  }
  const cache = pointcloudCache(inputs, context)
  return planStageJobs('pointcloud-generation', jobs, services, cache, { notes })
}
