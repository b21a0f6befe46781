import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { colourMapDepth } from '../../media/pointcloud/colormap.js'
import { quantizeDepth16, resizeDepth, type DepthMap } from '../../media/pointcloud/depth-map.js'
import { encodeGray16Png } from '../../media/pointcloud/gray-png.js'
import { loadRgbImage } from '../../media/pointcloud/load-image.js'
import { encodePly } from '../../media/pointcloud/ply.js'
import { embedImageProvenance } from '../../media/provenance/image.js'
import { provenancePlyComments } from '../../media/provenance/ply.js'
import { provenanceToEmbed, type ProvenanceScope } from '../../media/provenance/record.js'
import type { Provenance } from '../../contracts/provenance.js'
import {
  buildPointCloud,
  DEFAULT_DEPTH_SCALE,
  type PointCloud,
} from '../../media/pointcloud/sample.js'
import { chooseDepthSource, describeDepthChoice } from '../../providers/depth/choose.js'
import type { DepthEstimate, DepthProvider } from '../../providers/depth/provider.js'
import { encodeRgbPng } from '../../media/preview/png.js'
import { ModelServices } from '../../runner/services.js'
import type { CostSummary } from '../../contracts/cost.js'
import type { JournalCounts } from '../../runner/journal.js'
import { finishStage, startStage } from '../stage-tail.js'
import { POINTCLOUD_FILES } from './files.js'
import type { PointcloudInputs } from './inputs.js'
import { writePointcloudTelemetry } from './telemetry.js'
import { durableOptions } from './durable.js'
import { planDepthJob } from './plan-depth.js'

/**
 * Plug-ins of the point-cloud stage. `depthProvider` is asked for every `depth-model` name that
 * is not built in (`preview`, `luminance-heuristic`) and returns a provider for the names it
 * handles, undefined for the others (the model services then handle `comfyui:<template>` and
 * MCP depth tools).
 */
export interface PointcloudDeps {
  depthProvider?: (depthModel: string, context: { logger: Logger }) => DepthProvider | undefined
}

/** What the point-cloud stage returns. */
export interface PointcloudResult {
  /** Absolute output folder. */
  folder: string
  /** Absolute paths of the three files. */
  files: { depthMap: string; depthGray: string; ply: string }
  cloud: PointCloud
  /** The depth the cloud was built from (image size, 16-bit steps). */
  depth: DepthMap
  estimate: DepthEstimate
  /** The run journal's model-job counts (reused, resumed, new, resubmitted; issue 11). */
  jobs?: JournalCounts | undefined
  /**
   * Cost of the depth job at registry prices, the budget and the dry run's estimate of the
   * same job (issue 11; `CostSummary`); also the `cost` of the stage record in
   * `metadata/artifact-metadata.json`.
   */
  cost?: CostSummary | undefined
}

/**
 * The point-cloud stage (SPEC §4, §6): depth for the image from the chosen source (see
 * `chooseDepthSource`: a depth image, an MCP depth tool, a ComfyUI depth workflow, the
 * preview placeholder, or the luminance heuristic), resized to the image and rounded to 16 bits;
 * then `{out}/depth_gray.png` (16-bit grey, white = near: the depth used for the cloud),
 * `{out}/depth.png` (the same, colour-mapped for people), `{out}/pointcloud.ply` (see
 * `buildPointCloud` and `encodePly`), the telemetry file and the folder's done marker. The
 * image's stage folder (when another stage made it) is checked for its done marker first.
 * Preview and heuristic depth are labelled in the logs, the PLY header and the telemetry.
 *
 * @throws KamuiError CFG_001 / FS_001 for inputs, PC_001 when there is no depth source (saying how
 *   to provide one), PC_002 for an unreadable depth image, the depth tool's errors (IMG_003 on
 *   depth-timeout), RUN_001 when cancelled
 */
export async function runPointcloudGeneration(
  inputs: PointcloudInputs,
  context: StageContext,
  deps: PointcloudDeps = {},
): Promise<PointcloudResult> {
  const { logger } = context
  const folder = resolveInWorkspace(context.workspace, inputs.outputFolder, 'output-folder')
  const imageFile = resolveInWorkspace(context.workspace, inputs.inputImagePath, 'input-image-path')
  const depthImage = givenDepthImage(inputs, context)
  const services = await ModelServices.open(
    { ...inputs, modelRegistry: undefined },
    context,
    durableOptions(inputs, folder, context),
  )
  let estimate: DepthEstimate
  let image: Awaited<ReturnType<typeof loadRgbImage>>
  let start: Awaited<ReturnType<typeof startStage>>
  let written: Awaited<ReturnType<typeof writeCloud>>
  let estimatedUsd: number | null = null
  try {
    const choice = chooseDepthSource({
      depthModel: inputs.depthModel,
      depthImage,
      hasMcpConfig: inputs.mcpConfig !== undefined,
      custom: (name) => deps.depthProvider?.(name, { logger }) ?? services.comfyDepth(name),
    })
    start = await startStage(context, { file: imageFile })
    image = await loadRgbImage(imageFile, inputs.inputImagePath)
    const { width, height } = image.rgb
    logger.info(
      `Estimating depth for ${inputs.inputImagePath} (${width}x${height}) with ${describeDepthChoice(choice)}.`,
    )
    // The dry run's estimate of the same job, before it is submitted (issue 11).
    estimatedUsd = (await planDepthJob(image, inputs, context, services, { deps, depthImage }))
      .totals.estimated_usd
    estimate = await estimateDepth(services.depth(choice), image, inputs, context)
    written = await writeCloud(image, estimate, folder, inputs, logger, {
      embed: inputs.embedProvenance !== false,
      stage: 'pointcloud-generation',
      runId: start.run.id,
      redact: (text) => context.redactor.redact(text),
    })
    // The depth map as written is the job's output: a re-run reuses it, the job cache keeps it.
    if (estimate.jobKey && services.journal)
      await services.journal.recordOutput(
        estimate.jobKey,
        POINTCLOUD_FILES.depthGray,
        await readFile(written.files.depthGray),
      )
  } finally {
    await services.close()
  }
  const jobs = services.journal ? { ...services.journal.counts } : undefined
  const cost = services.budget.summary(estimatedUsd)
  const { depth, cloud, files } = written
  await finishStage({
    folder,
    logger,
    doneMarker: start.doneMarker,
    complete: true,
    writeFiles: () => Promise.resolve(undefined),
    writeTelemetry: (_files, doneMarker) =>
      writePointcloudTelemetry({
        folder,
        run: start.run,
        endedAt: new Date(),
        estimate,
        cloud,
        inputs,
        cost,
        redactor: context.redactor,
        doneMarker,
      }),
  })
  return { folder, files, cloud, depth, estimate, jobs, cost }
}

/** The `depth-image` input, checked, or undefined. */
export function givenDepthImage(
  inputs: PointcloudInputs,
  context: StageContext,
): { file: string; shown: string } | undefined {
  if (!inputs.depthImage) return undefined
  const file = resolveInWorkspace(context.workspace, inputs.depthImage, 'depth-image')
  if (!existsSync(file)) {
    throw new KamuiError('PC_002', `depth-image "${inputs.depthImage}" does not exist.`)
  }
  if (inputs.depthModel && inputs.depthModel !== 'midas_v21_small') {
    context.logger.info(`depth-image is given: depth-model "${inputs.depthModel}" is not used.`)
  }
  return { file, shown: inputs.depthImage }
}

/** The depth estimate within `depth-timeout`. */
async function estimateDepth(
  provider: DepthProvider,
  image: Awaited<ReturnType<typeof loadRgbImage>>,
  inputs: PointcloudInputs,
  context: StageContext,
): Promise<DepthEstimate> {
  const deadline = deadlineSignal(
    inputs.depthTimeoutMs,
    'The depth estimation (depth-timeout)',
    context.signal,
  )
  try {
    const { width, height } = image.rgb
    return await provider.estimate({
      png: image.png,
      width,
      height,
      rgb: image.rgb,
      signal: deadline.signal,
      logger: context.logger,
    })
  } finally {
    deadline.clear()
  }
}

/**
 * The provenance of the depth maps and the PLY (issue 16): the depth source as `source`, its
 * model when one estimated it; `algorithmicMedia` for preview and heuristic depth and for a
 * given depth image (the files are computed from it), else `trainedAlgorithmicMedia`. Null
 * with `embed-provenance: false`.
 */
function depthProvenance(estimate: DepthEstimate, scope: ProvenanceScope): Provenance | null {
  const source = estimate.source
  return provenanceToEmbed(scope, {
    model: source.model?.alias ?? null,
    provider: source.model?.provider ?? source.kind,
    algorithmic: source.preview || source.heuristic || source.kind === 'depth-image',
    jobKey: estimate.jobKey ?? null,
    source: source.label,
  })
}

/** Resizes the depth to the image, builds the cloud and writes the three files. */
async function writeCloud(
  image: Awaited<ReturnType<typeof loadRgbImage>>,
  estimate: DepthEstimate,
  folder: string,
  inputs: PointcloudInputs,
  logger: Logger,
  scope: ProvenanceScope,
): Promise<{ depth: DepthMap; cloud: PointCloud; files: PointcloudResult['files'] }> {
  const { width, height } = image.rgb
  if (estimate.source.notice) logger.warn(estimate.source.notice)
  if (estimate.depth.width !== width || estimate.depth.height !== height) {
    logger.info(
      `The depth map is ${estimate.depth.width}x${estimate.depth.height}; resized to ${width}x${height} (bilinear).`,
    )
  }
  const depth = quantizeDepth16(resizeDepth(estimate.depth, width, height))
  const cloud = buildPointCloud(image.rgb, depth, {
    maxPoints: inputs.maxPoints,
    colorMode: inputs.colorMode,
  })
  const files = {
    depthMap: path.join(folder, POINTCLOUD_FILES.depthMap),
    depthGray: path.join(folder, POINTCLOUD_FILES.depthGray),
    ply: path.join(folder, POINTCLOUD_FILES.ply),
  }
  const provenance = depthProvenance(estimate, scope)
  await writeFileAtomic(
    files.depthGray,
    await embedImageProvenance(encodeGray16Png(depth), provenance),
  )
  await writeFileAtomic(
    files.depthMap,
    await embedImageProvenance(
      encodeRgbPng({ width, height, data: colourMapDepth(depth) }),
      provenance,
    ),
  )
  await writeFileAtomic(
    files.ply,
    encodePly(cloud, inputs.plyFormat, [
      'generated by kamui-media-actions pointcloud-generation',
      `depth-source ${estimate.source.label}`,
      ...(estimate.source.notice ? [estimate.source.notice] : []),
      ...provenancePlyComments(provenance),
      `x = col - ${width}/2, y = -(row - ${height}/2), z = depth * ${DEFAULT_DEPTH_SCALE} (depth 1 = nearest); sampling stride ${cloud.stride} px; color-mode ${inputs.colorMode}`,
    ]),
  )
  logger.info(
    `${POINTCLOUD_FILES.ply}: ${cloud.count} points (every ${cloud.stride} px, ${inputs.plyFormat}); depth from ${estimate.source.label}.`,
  )
  return { depth, cloud, files }
}
