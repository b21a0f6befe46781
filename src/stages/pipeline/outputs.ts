import { v2Outputs } from '../image-generation/outputs.js'
import { keyframesOutputs } from '../keyframes/commands.js'
import { pointcloudOutputs } from '../pointcloud-generation/commands.js'
import { videoOutputs } from '../video-generation/commands.js'
import { webPlayerOutputs } from '../web-player-generation/commands.js'
import type { PipelineStage } from './spec.js'
import type { StageResults } from './stages.js'

/** What happened to one stage of a pipeline run. */
export interface StageRun {
  stage: PipelineStage
  status: 'ok' | 'failed' | 'skipped'
  /** Why it failed or was skipped (`CODE: message` for failures), or null. */
  reason: string | null
  /** The stage's action outputs (as its own action would set them). */
  outputs: Record<string, string>
  /** When the stage started and ended, ms since the pipeline started. */
  startedMs: number
  endedMs: number
  durationMs: number
}

/** Each stage's action outputs from its typed result; paths relative to the workspace. */
export const STAGE_OUTPUTS: {
  [K in PipelineStage]: (result: StageResults[K], workspace: string) => Record<string, string>
} = {
  image: v2Outputs,
  keyframes: keyframesOutputs,
  video: videoOutputs,
  pointcloud: pointcloudOutputs,
  web: webPlayerOutputs,
}

/**
 * The pipeline's outputs (see `PIPELINE_OUTPUTS`) from its stage runs, in pipeline order.
 *
 * @param primaryImage the primary image's workspace path, reported when the image stage ran
 */
export function pipelineOutputs(
  runs: readonly StageRun[],
  primaryImage: string,
): Record<string, string> {
  const ok = (stage: PipelineStage): Record<string, string> | undefined => {
    const run = runs.find((r) => r.stage === stage)
    return run?.status === 'ok' ? run.outputs : undefined
  }
  return {
    'stages-run': JSON.stringify(
      runs.map(({ stage, status, reason, outputs }) => ({ stage, status, reason, outputs })),
    ),
    'failed-stages': JSON.stringify(runs.filter((s) => s.status === 'failed').map((s) => s.stage)),
    'google-image-url': ok('image')?.['google-image-url'] ?? '',
    'primary-image-path': ok('image') ? primaryImage : '',
    'keyframes-json': ok('keyframes')?.['keyframes-json'] ?? '',
    'video-paths': ok('video')?.['video-paths'] ?? '[]',
    'final-video-path': ok('video')?.['final-video-path'] ?? '',
    'ply-file-path': ok('pointcloud')?.['ply-file-path'] ?? '',
    'web-player-path': ok('web')?.['web-player-path'] ?? '',
    'web-player-url': ok('web')?.['web-player-url'] ?? '',
  }
}
