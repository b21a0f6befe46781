import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { prepareFfmpeg } from '../../media/video/ffmpeg.js'
import { writePlan, type DryRunResult } from '../../runner/dry-run.js'
import { JobRecorder } from '../../runner/job-recorder.js'
import { ModelServices } from '../../runner/services.js'
import type { VideoGenerationInputs } from './inputs.js'
import type { VideoGenerationDeps } from './models.js'
import { planClipJobs } from './plan-clips.js'
import { prepareClips } from './run.js'
import { prepareVideoShard, videoFolderName } from './shard.js'

/**
 * The video stage's dry run (issue 11, input `dry-run`): chooses the model, plans the clips (of
 * this shard, for a shard run) and resolves their frames exactly as the real run does (the
 * same checks: unknown model, missing last frame, unusable frames, ffmpeg for the preview),
 * builds each clip's model job on a `JobRecorder` (same job keys as the real run), looks each
 * up in the folder's run journal and the job cache, prices it, writes `metadata/plan.json` and
 * logs the plan table. No model is called, no clip, journal line or report is written.
 *
 * @throws KamuiError IMG_002 unknown model, CFG_001 / FS_001 inputs, VID_003 unusable frames,
 *   VID_001 missing ffmpeg for a preview model, CFG_002 / CFG_003 bad mcp-config or registry
 */
export async function runVideoDryRun(
  inputs: VideoGenerationInputs,
  context: StageContext,
  deps: VideoGenerationDeps = {},
): Promise<DryRunResult> {
  const manifest = await prepareVideoShard(inputs, context.workspace)
  const folder = resolveInWorkspace(context.workspace, videoFolderName(inputs), 'folder-name')
  const ffmpeg = await prepareFfmpeg(context.env, {
    allowBundled: inputs.allowBundledFfmpeg,
    required: inputs.concatenate,
    logger: context.logger,
  })
  const services = await ModelServices.open(
    {
      mcpConfig: inputs.mcpConfig,
      modelRegistry: inputs.modelRegistry,
      comfyuiUrl: inputs.comfyuiUrl,
    },
    context,
    { journal: { folder, resume: inputs.resume }, budget: { maxCostUsd: inputs.maxCostUsd } },
  )
  try {
    const recorder = new JobRecorder()
    const setup = await prepareClips(inputs, context, folder, services, deps, {
      hasFfmpeg: ffmpeg !== undefined,
      manifest,
      runner: recorder,
    })
    const notes = [...setup.notices]
    if (inputs.keyframeSegments)
      notes.push('Keyframes handed over segment by segment by the pipeline are not planned.')
    const plan = await planClipJobs(setup, recorder, inputs, context, services, notes)
    return { folder, plan, planPath: await writePlan(folder, plan, context) }
  } finally {
    await services.close()
  }
}
