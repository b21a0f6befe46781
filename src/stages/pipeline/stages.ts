import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { posixRelative } from '../../output/web/media-files.js'
import { renderPreviewMusic } from '../../media/preview/music.js'
import { KEYFRAMES_FILE } from '../keyframes/keyframes-file.js'
import type { KeyframesResult } from '../keyframes/run.js'
import type { VideoGenerationResult } from '../video-generation/run.js'
import type { Task, TaskGraph, TaskOutcome, TaskOutcomes } from './graph.js'
import type { PipelineInputs, StageRequest } from './inputs.js'
import { SegmentChannel } from './segment-channel.js'
import type { PipelineStage } from './spec.js'
import { STAGE_FUNCTIONS, type StageFunctions, type StageResults } from './stage-functions.js'

export type { StageResults } from './stage-functions.js'

/** What a stage's task returns: its result, or why it did not run (null: it was not asked for). */
export type StageValue<T> = { result: T } | { skipped: string | null }

/** The values of the pipeline's task graph, one per stage. */
export type PipelineValues = { [K in PipelineStage]: StageValue<StageResults[K]> }

/**
 * The stages each stage's task waits for (all of them settled, successfully or not: a later
 * stage runs with what exists). Keyframes, video and the point cloud start as soon as the
 * primary image is chosen; the video stage then takes each segment's keyframes as soon as they
 * exist (see {@link SegmentChannel}), so it waits for the keyframes stage only through them;
 * the web player waits for everything it shows.
 */
export const STAGE_AFTER: Readonly<Record<PipelineStage, readonly PipelineStage[]>> = {
  image: [],
  keyframes: ['image'],
  video: ['image'],
  pointcloud: ['image'],
  web: ['image', 'keyframes', 'video', 'pointcloud'],
}

/** Length of the synthesized preview music track, seconds (the final video is trimmed or looped to the clips). */
const PREVIEW_MUSIC_SECONDS = 30

/** The typed result of a settled stage task, or undefined when it failed or did not run. */
export function resultOf<T>(outcome: TaskOutcome<StageValue<T>> | undefined): T | undefined {
  return outcome?.status === 'ok' && 'result' in outcome.value ? outcome.value.result : undefined
}

/** The typed result of `stage` in `outcomes`, or undefined when it failed or did not run. */
export function stageResult<K extends PipelineStage>(
  outcomes: Partial<TaskOutcomes<PipelineValues>>,
  stage: K,
): StageResults[K] | undefined {
  return resultOf(outcomes[stage] as TaskOutcome<StageValue<StageResults[K]>> | undefined)
}

/** A stage's call, given the outcomes of the tasks it waits for. */
type StageCall<K extends PipelineStage> = (
  settled: Partial<TaskOutcomes<PipelineValues>>,
) => Promise<StageResults[K]>

/**
 * The pipeline as a task graph (see {@link STAGE_AFTER}): each task calls its stage's typed run
 * function with typed inputs built from the pipeline's inputs and the typed results of the
 * stages before it. A stage that was not asked for returns `{ skipped: null }`; one whose
 * primary image is missing (the image stage was asked for and failed) is skipped with a reason.
 *
 * @param run the stage functions (tests pass fakes)
 */
export function pipelineGraph(
  inputs: PipelineInputs,
  context: StageContext,
  run: StageFunctions = STAGE_FUNCTIONS,
): TaskGraph<PipelineValues> {
  const { workspace } = context
  let musicReady: Promise<void> | undefined
  const music = (): Promise<void> => (musicReady ??= writePreviewMusic(inputs, context))
  const channel =
    'inputs' in inputs.keyframes
      ? new SegmentChannel(inputs.keyframes.inputs.segmentCount)
      : undefined
  const task = <K extends PipelineStage>(stage: K, call: StageCall<K>) =>
    stageTask(stage, call, inputs, context)
  const keyframes = task('keyframes', async () => {
    const kf = { ...need(inputs.keyframes), ...(channel ? { onSegmentReady: channel.ready } : {}) }
    return run.keyframes(kf, context)
  })
  return {
    image: task('image', () => run.image(need(inputs.image), context)),
    keyframes: channel ? closingChannel(keyframes, channel) : keyframes,
    video: task('video', async (settled) => {
      await music()
      const streamed = inputs.stages.has('keyframes') && channel ? await channel.started : false
      const video = {
        ...need(inputs.video),
        googleImageUrl: resultOf(settled.image)?.primary.url ?? undefined,
        ...(streamed && channel
          ? {
              keyframes: path.posix.join(inputs.folderName, KEYFRAMES_FILE),
              keyframeSegments: channel.segments,
            }
          : {}),
      }
      return run.video(video, context)
    }),
    pointcloud: task('pointcloud', () =>
      run.pointcloud(need(inputs.pointcloud), context, inputs.pointcloud.raw),
    ),
    web: task('web', async (settled) => {
      const video = resultOf(settled.video)
      const pointcloud = resultOf(settled.pointcloud)
      await music()
      const web = {
        ...need(inputs.web),
        plyFile: pointcloud ? posixRelative(workspace, pointcloud.files.ply) : undefined,
        videoFiles: video ? videoFiles(video, workspace) : undefined,
      }
      return run.web(web, context)
    }),
  }
}

/**
 * The task of one stage: skipped when not asked for or without its primary image, RUN_001 when
 * the run was cancelled before it, otherwise the stage's call (a failure is logged and thrown).
 */
function stageTask<K extends PipelineStage>(
  stage: K,
  call: StageCall<K>,
  inputs: PipelineInputs,
  context: StageContext,
): Task<PipelineValues, StageValue<StageResults[K]>> {
  return {
    after: STAGE_AFTER[stage],
    run: async (settled): Promise<StageValue<StageResults[K]>> => {
      if (!inputs.stages.has(stage)) return { skipped: null }
      if (stage !== 'image' && inputs.stages.has('image') && !resultOf(settled.image)) {
        return { skipped: 'the image stage did not run or failed' }
      }
      if (context.signal?.aborted) {
        throw new KamuiError('RUN_001', `The run was cancelled before the ${stage} stage.`)
      }
      context.logger.info(`pipeline: ${stage} …`)
      try {
        return { result: await call(settled) }
      } catch (error) {
        if (stage !== 'image' && !isKamuiError(error, 'RUN_001')) {
          context.logger.warn(
            `pipeline: ${stage} failed (${failureReason(error)}); the other stages go on.`,
          )
        }
        throw error
      }
    },
  }
}

/**
 * The keyframes task, closing `channel` however it ends: each segment not announced fails
 * with its recorded error, the stage's error, or why the stage did not run.
 */
function closingChannel(
  keyframes: Task<PipelineValues, StageValue<KeyframesResult>>,
  channel: SegmentChannel,
): Task<PipelineValues, StageValue<KeyframesResult>> {
  return {
    after: keyframes.after,
    run: async (settled) => {
      let reasonOf = (_index: number): string => 'the keyframes stage did not run'
      try {
        const value = await keyframes.run(settled)
        if ('result' in value) {
          const segments = value.result.keyframes.segments
          reasonOf = (index) =>
            segments.find((s) => s.index === index)?.error?.message ?? 'it was not made'
        } else if (value.skipped) {
          reasonOf = () => `the keyframes stage was skipped (${value.skipped})`
        }
        return value
      } catch (error) {
        reasonOf = () => failureReason(error)
        throw error
      } finally {
        channel.close(reasonOf)
      }
    },
  }
}

/** `CODE: message` of a stage's error (GEN_001 for an error without a code). */
export function failureReason(error: unknown): string {
  return isKamuiError(error) ? error.message : `GEN_001: ${errorMessage(error)}`
}

/** A stage's typed inputs; @throws the error its parser threw */
function need<T>(request: StageRequest<T>): T {
  if ('error' in request) throw request.error
  return request.inputs
}

/** The clips and the final video of a video result, workspace-relative. */
function videoFiles(video: VideoGenerationResult, workspace: string): string[] {
  const file = (name: string): string => posixRelative(workspace, path.join(video.folder, name))
  const clips = video.clips.flatMap((c) => (c.file ? [file(c.file)] : []))
  return video.final ? [...clips, file(video.final.file)] : clips
}

/**
 * Writes the synthesized PREVIEW music track (not a music model) when the inputs ask for it
 * (no `music-file`, no `mcp-config`); otherwise does nothing.
 */
async function writePreviewMusic(inputs: PipelineInputs, context: StageContext): Promise<void> {
  if (!inputs.music?.preview) return
  const music = renderPreviewMusic(inputs.concept, PREVIEW_MUSIC_SECONDS)
  await writeFileAtomic(
    resolveInWorkspace(context.workspace, inputs.music.file, 'folder-name'),
    music.wav,
  )
  context.logger.warn(
    'pipeline: no music-file given: wrote a synthesized PREVIEW track (music/preview-music.wav): tones, not a music model.',
  )
}
