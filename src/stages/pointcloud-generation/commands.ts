import path from 'node:path'
import type { StageCommand } from '../../core/stage-command.js'
import { parsePointcloudInputs } from './inputs.js'
import { runPointcloudGeneration, type PointcloudDeps, type PointcloudResult } from './run.js'
import { POINTCLOUD_GENERATION_INPUTS, POINTCLOUD_GENERATION_OUTPUTS } from './spec.js'

/** The action outputs of a finished run; paths relative to the workspace, forward slashes. */
export function pointcloudOutputs(
  result: PointcloudResult,
  workspace: string,
): Record<string, string> {
  const rel = (file: string): string => path.relative(workspace, file).split(path.sep).join('/')
  return {
    'pointcloud-completed': 'true',
    'depth-map-path': rel(result.files.depthMap),
    'ply-file-path': rel(result.files.ply),
    'depth-gray-path': rel(result.files.depthGray),
    'point-count': String(result.cloud.count),
    'depth-source': result.estimate.source.label,
  }
}

/** Markdown for the job summary. */
export function pointcloudSummaryMarkdown(result: PointcloudResult, workspace: string): string {
  const source = result.estimate.source
  return [
    `### Point cloud${source.preview ? ' (PREVIEW depth)' : source.heuristic ? ' (HEURISTIC depth)' : ''}`,
    '',
    `- \`${path.relative(workspace, result.files.ply)}\`: ${result.cloud.count} points (every ${result.cloud.stride} px)`,
    `- depth: ${source.label} (${result.depth.width}×${result.depth.height})`,
    ...(source.notice ? ['', `> ${source.notice}`] : []),
  ].join('\n')
}

/**
 * `pointcloud-generation`: the legacy interface (SPEC §4) with real depth sources.
 *
 * @param deps plug-ins (the ComfyUI depth provider of self-hosted runners)
 */
export function createPointcloudGenerationCommand(deps: PointcloudDeps = {}): StageCommand {
  return {
    name: 'pointcloud-generation',
    description:
      'Estimate depth for an image (MCP depth tool, ComfyUI, or a given depth image) and write depth.png, ' +
      'depth_gray.png and a coloured pointcloud.ply.',
    inputs: POINTCLOUD_GENERATION_INPUTS,
    outputs: POINTCLOUD_GENERATION_OUTPUTS,
    async run(raw, context) {
      const result = await runPointcloudGeneration(parsePointcloudInputs(raw), context, deps)
      return {
        outputs: pointcloudOutputs(result, context.workspace),
        summary: pointcloudSummaryMarkdown(result, context.workspace),
        folder: result.folder,
      }
    },
  }
}

/** The `pointcloud-generation` command with the built-in depth sources. */
export const pointcloudGenerationCommand: StageCommand = createPointcloudGenerationCommand()
