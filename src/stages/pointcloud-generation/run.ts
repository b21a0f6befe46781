import { existsSync } from 'node:fs'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { parseMcpConfig, type McpServersConfig } from '../../providers/mcp/config.js'
import { McpPool } from '../../providers/mcp/pool.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { colourMapDepth } from '../../media/pointcloud/colormap.js'
import { chooseDepthSource } from '../../providers/depth/choose.js'
import { McpDepthProvider } from '../../providers/depth/mcp.js'
import type { DepthEstimate, DepthProvider } from '../../providers/depth/provider.js'
import { quantizeDepth16, resizeDepth, type DepthMap } from '../../media/pointcloud/depth-map.js'
import { encodeGray16Png } from '../../media/pointcloud/gray-png.js'
import { loadRgbImage } from '../../media/pointcloud/load-image.js'
import { encodePly } from '../../media/pointcloud/ply.js'
import {
  buildPointCloud,
  DEFAULT_DEPTH_SCALE,
  type PointCloud,
} from '../../media/pointcloud/sample.js'
import { encodeRgbPng } from '../../media/preview/png.js'
import { runInfoFromEnv } from '../../output/telemetry/run-info.js'
import { POINTCLOUD_FILES } from './files.js'
import type { PointcloudInputs } from './inputs.js'
import { writePointcloudTelemetry } from './telemetry.js'

/**
 * Plug-ins of the point-cloud stage. `depthProvider` is asked for every `depth-model` name that
 * is not built in (`preview`, `luminance-heuristic`) and returns a provider for the names it
 * handles (the ComfyUI depth template of self-hosted runners), undefined for the others.
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
}

/**
 * The point-cloud stage (SPEC §4, §6): depth for the image from the chosen source (see
 * `chooseDepthSource`: a depth image, an MCP depth tool, a plugged-in ComfyUI workflow, the
 * preview placeholder, or the luminance heuristic), resized to the image and rounded to 16 bits;
 * then `{out}/depth_gray.png` (16-bit grey, white = near: the depth used for the cloud),
 * `{out}/depth.png` (the same, colour-mapped for people), `{out}/pointcloud.ply` (see
 * `buildPointCloud` and `encodePly`) and the telemetry file. Preview and heuristic depth are
 * labelled in the logs, the PLY header and the telemetry.
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
  const run = context.run ?? runInfoFromEnv(context.env, new Date())
  const { logger } = context
  const folder = resolveInWorkspace(context.workspace, inputs.outputFolder, 'output-folder')
  const imageFile = resolveInWorkspace(context.workspace, inputs.inputImagePath, 'input-image-path')
  let depthImage: { file: string; shown: string } | undefined
  if (inputs.depthImage) {
    const file = resolveInWorkspace(context.workspace, inputs.depthImage, 'depth-image')
    if (!existsSync(file)) {
      throw new KamuiError('PC_002', `depth-image "${inputs.depthImage}" does not exist.`)
    }
    depthImage = { file, shown: inputs.depthImage }
    if (inputs.depthModel && inputs.depthModel !== 'midas_v21_small') {
      logger.info(`depth-image is given: depth-model "${inputs.depthModel}" is not used.`)
    }
  }
  const servers: McpServersConfig = inputs.mcpConfig
    ? parseMcpConfig(inputs.mcpConfig, { logger, redactor: context.redactor, env: context.env })
    : {}
  const choice = chooseDepthSource({
    depthModel: inputs.depthModel,
    depthImage,
    hasMcpConfig: inputs.mcpConfig !== undefined,
    custom: deps.depthProvider ? (name) => deps.depthProvider?.(name, { logger }) : undefined,
  })
  const image = await loadRgbImage(imageFile, inputs.inputImagePath)
  const { width, height } = image.rgb
  logger.info(
    `Estimating depth for ${inputs.inputImagePath} (${width}x${height}) with ${describe(choice)}.`,
  )

  if (choice.kind === 'mcp' && choice.tool.preview) {
    servers[PREVIEW_SERVER_KEY] = { kind: 'stdio', ...context.previewServer, env: {} }
  }
  const pool = new McpPool(servers, { logger, redactor: context.redactor, env: context.env })
  const deadline = deadlineSignal(
    inputs.depthTimeoutMs,
    'The depth estimation (depth-timeout)',
    context.signal,
  )
  let estimate: DepthEstimate
  try {
    const provider =
      choice.kind === 'provider'
        ? choice.provider
        : new McpDepthProvider(pool, choice.tool, {
            pollIntervalMs: context.pollIntervalMs ?? (choice.tool.preview ? 100 : 2000),
          })
    estimate = await provider.estimate({
      png: image.png,
      width,
      height,
      rgb: image.rgb,
      signal: deadline.signal,
      logger,
    })
  } finally {
    deadline.clear()
    await pool.close()
  }
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
  await writeFileAtomic(files.depthGray, encodeGray16Png(depth))
  await writeFileAtomic(
    files.depthMap,
    encodeRgbPng({ width, height, data: colourMapDepth(depth) }),
  )
  await writeFileAtomic(
    files.ply,
    encodePly(cloud, inputs.plyFormat, [
      'generated by kamui-media-actions pointcloud-generation',
      `depth-source ${estimate.source.label}`,
      ...(estimate.source.notice ? [estimate.source.notice] : []),
      `x = col - ${width}/2, y = -(row - ${height}/2), z = depth * ${DEFAULT_DEPTH_SCALE} (depth 1 = nearest); sampling stride ${cloud.stride} px; color-mode ${inputs.colorMode}`,
    ]),
  )
  logger.info(
    `${POINTCLOUD_FILES.ply}: ${cloud.count} points (every ${cloud.stride} px, ${inputs.plyFormat}); depth from ${estimate.source.label}.`,
  )
  await writePointcloudTelemetry({
    folder,
    run,
    endedAt: new Date(),
    estimate,
    cloud,
    inputs,
    redactor: context.redactor,
  })
  return { folder, files, cloud, depth, estimate }
}

function describe(choice: ReturnType<typeof chooseDepthSource>): string {
  if (choice.kind === 'provider') return choice.provider.name
  return choice.tool.preview
    ? 'the preview placeholder depth'
    : `the MCP depth tool ${choice.tool.base}`
}
