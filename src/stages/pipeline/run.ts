import type { RawInputs } from '../../core/input-spec.js'
import { isKamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { ffmpegVersion, isBundledSource, resolveFfmpeg } from '../../media/video/ffmpeg.js'
import { elapsedSince, runTaskGraph, type TaskOutcomes } from './graph.js'
import { parsePipelineInputs } from './inputs.js'
import { pipelineOutputs, STAGE_OUTPUTS, type StageRun } from './outputs.js'
import { PIPELINE_STAGES, type PipelineStage } from './spec.js'
import { STAGE_FUNCTIONS, type StageFunctions } from './stage-functions.js'
import {
  failureReason,
  pipelineGraph,
  stageResult,
  type PipelineValues,
  type StageResults,
} from './stages.js'

export type { StageRun } from './outputs.js'

/** What the pipeline returns. */
export interface PipelineResult {
  /** Absolute results folder. */
  folder: string
  /** The stages asked for, in pipeline order (whatever order they ran in). */
  runs: StageRun[]
  outputs: Record<string, string>
  /** The typed result of each stage that succeeded. */
  results: Partial<StageResults>
  /** From the call to the return, ms (the stage spans in `runs` are on the same clock). */
  wallMs: number
}

/**
 * The whole pipeline (SPEC §1, §6): image generation v2, keyframes, video, point cloud and web
 * player, each called as its typed stage function with typed inputs built from the pipeline's
 * inputs and the typed results of the stages before it (see `pipelineGraph`). The stages run as
 * a dependency graph: keyframes, video and the point cloud start as soon as the primary image
 * is chosen, each video clip as soon as its segment's keyframes exist (the video stage takes
 * them segment by segment), the web player once everything it shows is.
 * `stages` picks which run. The image stage is required by the others: when it fails, the
 * pipeline fails. Any other stage that fails is recorded with its reason and the later stages
 * still run with what exists, so no result is lost.
 *
 * Without `mcp-config` every stage runs on the offline preview server, and a synthesized
 * PREVIEW music track (not a music model) is written when no `music-file` is given. With the
 * video stage selected, ffmpeg is checked first (see `allow-bundled-ffmpeg`).
 *
 * @throws KamuiError IMG_009 empty concept, CFG_001 unknown stage name, FS_001 folder outside
 *   the workspace, VID_001 when the video stage is selected and no ffmpeg may be used (all
 *   before any stage runs); the image stage's error when it fails; RUN_001 when cancelled
 * @param stageFunctions the stage functions (tests pass fakes)
 */
export async function runPipeline(
  raw: RawInputs,
  context: StageContext,
  stageFunctions: StageFunctions = STAGE_FUNCTIONS,
): Promise<PipelineResult> {
  const now = elapsedSince(performance.now())
  const inputs = parsePipelineInputs(raw)
  const folder = resolveInWorkspace(context.workspace, inputs.folderName, 'folder-name')
  if (inputs.stages.has('video')) await checkFfmpeg(context, inputs.allowBundledFfmpeg)
  if (inputs.afterMerge?.length) {
    context.logger.info(
      `pipeline: a shard runs the image stage only; ${inputs.afterMerge.join(', ')} run after kamui merge.`,
    )
  }
  const outcomes = await runTaskGraph(pipelineGraph(inputs, context, stageFunctions), now)
  const stopped =
    outcomes.image.status === 'failed'
      ? outcomes.image
      : PIPELINE_STAGES.map((s) => outcomes[s]).find(
          (o) => o.status === 'failed' && isKamuiError(o.error, 'RUN_001'),
        )
  if (stopped?.status === 'failed') throw stopped.error
  const runs = stageRuns(outcomes, context.workspace)
  const results: Partial<StageResults> = {}
  for (const stage of PIPELINE_STAGES) assign(results, stage, stageResult(outcomes, stage))
  return {
    // A shard's results are in its own folder (<folder>-shard-k-of-N), written by the image stage.
    folder: inputs.afterMerge ? (results.image?.folder ?? folder) : folder,
    runs,
    outputs: pipelineOutputs(runs, inputs.primaryImage),
    results,
    wallMs: now(),
  }
}

/** The runs of the stages that were asked for, in pipeline order. */
function stageRuns(outcomes: TaskOutcomes<PipelineValues>, workspace: string): StageRun[] {
  return PIPELINE_STAGES.flatMap((stage): StageRun[] => {
    const outcome = outcomes[stage]
    const span = {
      startedMs: Math.round(outcome.startedMs),
      endedMs: Math.round(outcome.endedMs),
      durationMs: Math.round(outcome.endedMs - outcome.startedMs),
    }
    if (outcome.status === 'failed') {
      return [
        { stage, status: 'failed', reason: failureReason(outcome.error), outputs: {}, ...span },
      ]
    }
    if ('skipped' in outcome.value) {
      const reason = outcome.value.skipped
      return reason === null ? [] : [{ stage, status: 'skipped', reason, outputs: {}, ...span }]
    }
    return [
      {
        stage,
        status: 'ok',
        reason: null,
        outputs: outputsOf(stage, outcome.value.result, workspace),
        ...span,
      },
    ]
  })
}

function outputsOf<K extends PipelineStage>(
  stage: K,
  result: StageResults[K],
  workspace: string,
): Record<string, string> {
  return STAGE_OUTPUTS[stage](result, workspace)
}

function assign<K extends PipelineStage>(
  results: Partial<StageResults>,
  stage: K,
  result: StageResults[K] | undefined,
): void {
  if (result !== undefined) results[stage] = result
}

/**
 * The video stage decodes media with ffmpeg: it is found and its version checked before the
 * first stage generates anything (the video stage records it in its telemetry).
 *
 * @throws KamuiError VID_001 saying how to install ffmpeg when there is none that may be used
 */
async function checkFfmpeg(context: StageContext, allowBundled: boolean): Promise<void> {
  const tools = await resolveFfmpeg(context.env, { allowBundled })
  const version = await ffmpegVersion(tools.ffmpeg)
  context.logger.info(
    `pipeline: ffmpeg ${version} (${isBundledSource(tools.source) ? 'bundled 2018 build' : tools.source}: ${tools.ffmpeg})`,
  )
}
