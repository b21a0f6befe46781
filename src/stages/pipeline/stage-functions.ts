import type { RawInputs } from '../../core/input-spec.js'
import type { StageContext } from '../../core/stage-context.js'
import type { ImageGenerationInputs } from '../image-generation/inputs.js'
import { runImageGeneration, type ImageGenerationResult } from '../image-generation/run.js'
import type { KeyframesInputs } from '../keyframes/inputs.js'
import { SELF_HOSTED_KEYFRAMES } from '../keyframes/providers.js'
import { runKeyframes, type KeyframesResult } from '../keyframes/run.js'
import { comfyDepthDeps } from '../pointcloud-generation/commands.js'
import type { PointcloudInputs } from '../pointcloud-generation/inputs.js'
import { runPointcloudGeneration, type PointcloudResult } from '../pointcloud-generation/run.js'
import type { VideoGenerationInputs } from '../video-generation/inputs.js'
import { runVideoGeneration, type VideoGenerationResult } from '../video-generation/run.js'
import type { WebPlayerInputs } from '../web-player-generation/inputs.js'
import { runWebPlayer, type WebPlayerResult } from '../web-player-generation/run.js'

/** The typed result of each stage. */
export interface StageResults {
  image: ImageGenerationResult
  keyframes: KeyframesResult
  video: VideoGenerationResult
  pointcloud: PointcloudResult
  web: WebPlayerResult
}

/**
 * The stage functions the pipeline calls: typed inputs in, typed result out. The point cloud's
 * `raw` is its raw inputs, still read by its ComfyUI plug-in (`comfyui-url`). Tests pass fakes
 * to check the schedule without rendering media.
 */
export interface StageFunctions {
  image(inputs: ImageGenerationInputs, context: StageContext): Promise<ImageGenerationResult>
  keyframes(inputs: KeyframesInputs, context: StageContext): Promise<KeyframesResult>
  video(inputs: VideoGenerationInputs, context: StageContext): Promise<VideoGenerationResult>
  pointcloud(
    inputs: PointcloudInputs,
    context: StageContext,
    raw: RawInputs,
  ): Promise<PointcloudResult>
  web(inputs: WebPlayerInputs, context: StageContext): Promise<WebPlayerResult>
}

/** The real stages, with the local models of self-hosted runners (ComfyUI, LLM) when asked for. */
export const STAGE_FUNCTIONS: StageFunctions = {
  image: runImageGeneration,
  keyframes: (inputs, context) => runKeyframes(inputs, context, SELF_HOSTED_KEYFRAMES),
  video: runVideoGeneration,
  pointcloud: (inputs, context, raw) =>
    runPointcloudGeneration(inputs, context, comfyDepthDeps(raw, context)),
  web: runWebPlayer,
}
