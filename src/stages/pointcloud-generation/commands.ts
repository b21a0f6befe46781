import path from 'node:path'
import type { RawInputs } from '../../core/input-spec.js'
import type { StageCommand } from '../../core/stage-command.js'
import type { StageContext } from '../../core/stage-context.js'
import { comfyDepthProviderFor } from '../../providers/depth/comfy-depth-provider.js'
import { comfyJobRunner } from '../../runner/job-runner.js'
import { parsePointcloudInputs } from './inputs.js'
import { runPointcloudGeneration, type PointcloudDeps, type PointcloudResult } from './run.js'
import { POINTCLOUD_GENERATION_INPUTS, POINTCLOUD_GENERATION_OUTPUTS } from './spec.js'
import { jobCountsSentence } from '../../runner/journal.js'
import { planTable } from '../../runner/job-plan.js'
import { costLine } from '../../output/reports/cost-line.js'
import { runPointcloudDryRun } from './dry-run.js'

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
    ...(result.jobs && result.jobs.reused + result.jobs.resumed + result.jobs.new > 0
      ? ['', jobCountsSentence(result.jobs)]
      : []),
    '',
    costLine(result.cost),
    ...(source.notice ? ['', `> ${source.notice}`] : []),
  ].join('\n')
}

/**
 * The ComfyUI depth plug-in of self-hosted runners, made per run: `depth-model:
 * comfyui:<template>` (e.g. `comfyui:depth-anything-v2`) runs that shipped depth template on
 * the servers of `comfyui-url` (default `http://127.0.0.1:8188`). The pool is made only for
 * such a model, and no server is contacted before the estimate; the GPU check finds
 * `nvidia-smi` through the context's env.
 *
 * @throws KamuiError PC_001 (from the provider factory) when the template is not a shipped
 *   depth template, naming those that are
 */
export function comfyDepthDeps(raw: RawInputs, context: StageContext): PointcloudDeps {
  return {
    depthProvider: (depthModel, { logger }) => {
      const runner = comfyJobRunner(raw['comfyui-url'], logger)
      return comfyDepthProviderFor(depthModel, runner, { env: context.env })
    },
  }
}

/**
 * `pointcloud-generation`: the legacy interface (SPEC §4) with real depth sources: MCP depth
 * tools, ComfyUI depth templates (`comfyui:<template>` on the servers of `comfyui-url`), a given
 * depth image, the preview placeholder and the luminance heuristic, all through the run's model
 * services.
 */
export const pointcloudGenerationCommand: StageCommand = {
  name: 'pointcloud-generation',
  description:
    'Estimate depth for an image (MCP depth tool, ComfyUI, or a given depth image) and write depth.png, ' +
    'depth_gray.png and a coloured pointcloud.ply.',
  inputs: POINTCLOUD_GENERATION_INPUTS,
  outputs: POINTCLOUD_GENERATION_OUTPUTS,
  async run(raw, context) {
    const inputs = parsePointcloudInputs(raw)
    if (inputs.dryRun) {
      const dry = await runPointcloudDryRun(inputs, context)
      return { outputs: {}, summary: planTable(dry.plan), folder: dry.folder }
    }
    const result = await runPointcloudGeneration(inputs, context)
    return {
      outputs: pointcloudOutputs(result, context.workspace),
      summary: pointcloudSummaryMarkdown(result, context.workspace),
      folder: result.folder,
    }
  },
}
