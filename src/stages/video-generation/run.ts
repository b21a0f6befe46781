import { progressHooks, stageProgress } from '../../runner/progress.js'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { GenerationQueue } from '../../runner/generation-queue.js'
import { ModelServices } from '../../runner/services.js'
import type { CostSummary } from '../../contracts/cost.js'
import { entryPrice, jobCost } from '../../models/price.js'
import type { ModelEntry } from '../../models/types.js'
import { resolveCacheFolder } from '../../runner/job-cache.js'
import type { JournalCounts, RunJournal } from '../../runner/journal.js'
import { finishStage, startStage, type StageInput, type StageStart } from '../stage-tail.js'
import { prepareFfmpeg, type FfmpegInfo, type FfmpegTools } from '../../media/video/ffmpeg.js'
import { chooseVideoProvider, type VideoChoice } from '../../providers/video/choose.js'
import type { ModelJobRunner } from '../../providers/kinds/job.js'
import { JobRecorder } from '../../runner/job-recorder.js'
import { planClipJobs } from './plan-clips.js'
import { PREVIEW_VIDEO_NOTICE } from '../../media/video/preview-clip.js'
import type { VideoProvider } from '../../providers/video/provider.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import { makeClip, type MakeClipContext } from './clip.js'
import { LEGACY_MUSIC, finalVideoProvenance, joinFinalVideo } from './final-video.js'
import { resolveFrame, type ResolvedFrame } from './frames.js'
import type { VideoGenerationInputs } from './inputs.js'
import { planFromKeyframes, type ClipPlan, type FrameCandidate } from './keyframes.js'
import type { VideoGenerationDeps } from './models.js'
import {
  FINAL_VIDEO_FILE,
  VIDEO_REPORT_FILE,
  type ClipRecord,
  type FinalRecord,
  type VideoReport,
} from './report.js'
import { makeStreamedClips } from './streamed-clips.js'
import {
  prepareVideoShard,
  videoFolderName,
  videoQueueLimits,
  videoShardNotice,
  videoShardRun,
} from './shard.js'
import { writeVideoTelemetry } from './telemetry.js'
import type { ShardManifest } from '../../contracts/shard-manifest.js'
import type { ShardRun } from '../../runner/shard-plan.js'
import { writeShardRecord } from '../../runner/shard-record.js'

/** What the video-generation stage returns. */
export interface VideoGenerationResult {
  /** Absolute path of `{folder}`. */
  folder: string
  /** The clips made, in segment order. */
  clips: ClipRecord[]
  /** The joined video, when concatenate was asked. */
  final: FinalRecord | null
  /** The model label (`preview:<alias>` for a stand-in). */
  model: string
  preview: boolean
  report: VideoReport
  /** Absolute path of metadata/video-report.json. */
  reportPath: string
}

/** The legacy location of the image stage's primary image, the last fallback for the first frame. */
const LEGACY_IMAGE = 'images/generated-image.png'

/**
 * The video-generation stage (SPEC §4, §6): one clip per segment (one segment, or every segment
 * of a keyframes.json) from its first frame (and last frame when given) with the chosen video
 * model, stored as `{folder}/videos/segment-{N}.mp4` (H.264, yuv420p); optionally joined with a
 * music track into `{folder}/final/final-music-video.mp4`; then `metadata/video-report.json`
 * and the telemetry file.
 *
 * Hosted models run through MCP's submit → status → result with `poll-interval` between status
 * calls and `video-timeout` per clip (IMG_003 when it passes); the clip is downloaded at once.
 * The preview provider renders a labelled PREVIEW pan-and-zoom through the embedded preview
 * server. Frames: `google-image-url`, falling back to `input-image-path` (then the image stage's
 * `images/generated-image.png`) when the URL is expired, not downloadable or empty.
 *
 * Every input and every frame is checked before any clip is generated. Clips that were made are
 * kept when another fails; the stage then writes the report and fails with the first error.
 *
 * @throws KamuiError IMG_009 / CFG_001 / FS_001 for inputs, IMG_002 for an unknown model,
 *   VID_003 when a frame is unusable, VID_001 when ffmpeg is needed (preview, concatenation) and
 *   missing, the clip's error (VID_002 job failed, IMG_003 deadline, …), RUN_001 when cancelled
 */
export async function runVideoGeneration(
  inputs: VideoGenerationInputs,
  context: StageContext,
  deps: VideoGenerationDeps = {},
): Promise<VideoGenerationResult> {
  const startedAt = performance.now()
  const { logger } = context
  const manifest = await prepareVideoShard(inputs, context.workspace)
  const folder = resolveInWorkspace(context.workspace, videoFolderName(inputs), 'folder-name')
  // Found first, so that the preview server gets it; required once the model is known.
  const ffmpeg = await prepareFfmpeg(context.env, {
    allowBundled: inputs.allowBundledFfmpeg,
    required: inputs.concatenate,
    logger,
  })
  // Progress (issue 16 §2): each segment's lines say which of how many it is.
  const progress = stageProgress(context.progress, 'segments', { unit: 'segments' })
  let segments = 0
  const partOf = (job: { label: string }): { index: number; total: number } | undefined => {
    const index = Number(/^segment (\d+)/.exec(job.label)?.[1])
    return Number.isInteger(index) && segments > 0
      ? { index, total: Math.max(segments, index) }
      : undefined
  }
  const services = await ModelServices.open(
    {
      mcpConfig: inputs.mcpConfig,
      modelRegistry: inputs.modelRegistry,
      comfyuiUrl: inputs.comfyuiUrl,
      ...(ffmpeg ? { previewEnv: { FFMPEG_PATH: ffmpeg.tools.ffmpeg } } : {}),
    },
    context,
    {
      hooks: progressHooks(progress, {}, { partOf }),
      journal: { folder, resume: inputs.resume },
      budget: { maxCostUsd: inputs.maxCostUsd },
      cache: {
        folder: resolveCacheFolder(inputs.cache.cacheFolder, context.workspace, context.env),
        ttlMs: inputs.cache.cacheTtlMs,
      },
    },
  )
  try {
    const start = await startStage(context, stageInput(inputs, context.workspace, folder))
    const setup = await prepareClips(inputs, context, folder, services, deps, {
      hasFfmpeg: ffmpeg !== undefined,
      manifest,
    })
    segments = Math.max(0, ...setup.plans.map((p) => p.segment))
    progress.plan(setup.plans.length)
    // The dry run's estimate of the same jobs, before any is submitted (issue 11).
    const estimate = await estimateClips(setup, inputs, context, services, deps)
    const clips = await generateClips(setup, inputs, context, folder, ffmpeg?.tools)
    const { journal } = services
    setup.notices.push(...(journal?.notices ?? []))
    const jobs = journal ? { ...journal.counts } : undefined
    const cost = services.budget.summary(estimate)
    return await finishVideo(
      { ...setup, clips, ffmpeg, start, startedAt, folder, jobs, cost },
      inputs,
      context,
    )
  } finally {
    await services.close()
    progress.end()
  }
}

/** The frames of one clip. */
export interface ClipFrames {
  first: ResolvedFrame
  last: ResolvedFrame | undefined
}

/** The model, the clips to make, their frames and the report's notices, all checked. */
export interface ClipSetup {
  provider: VideoProvider
  /** True when `provider` is a plug-in of the caller (its jobs cannot be planned). */
  plugin: boolean
  /** Registry price of one clip, or null. */
  priceUsd: number | null
  plans: ClipPlan[]
  frames: ClipFrames[]
  notices: string[]
  queue: GenerationQueue
  /** The shard this run makes, for a shard of a sharded run (issue 13). */
  shard?: ShardRun | undefined
  /** The folder's run journal: each stored clip is recorded as its job's output. */
  journal: RunJournal | undefined
}

/**
 * Chooses the model (a plug-in of `deps` first, else the model services' providers, their
 * jobs run by `options.runner`, default the services' job runner), plans the clips and resolves
 * their frames, checking everything before any clip is generated.
 *
 * @throws KamuiError IMG_002 for an unknown model, CFG_001 when a first/last-frame model has no
 *   last frame, VID_003 for unusable frames, FS_001 for paths outside the workspace
 */
export async function prepareClips(
  inputs: VideoGenerationInputs,
  context: StageContext,
  folder: string,
  services: ModelServices,
  deps: VideoGenerationDeps,
  options: {
    hasFfmpeg: boolean
    manifest?: ShardManifest | undefined
    runner?: ModelJobRunner
  },
): Promise<ClipSetup> {
  const { logger } = context
  const { registry } = services
  const choice = chooseClipProvider(inputs, services, deps, logger, options.runner)
  const { provider } = choice
  const { hasFfmpeg, manifest } = options
  const all = await planClips(inputs, context.workspace, folder, logger)
  // A shard makes the clips of its segments (issue 13), checked against its manifest first.
  const shard = videoShardRun(inputs, all, registry, manifest)
  const plans = all.filter((p) => !shard || shard.numbers.has(p.segment))
  for (const plan of plans) {
    if (provider.requiresLastFrame && plan.last.length === 0) {
      throw new KamuiError(
        'CFG_001',
        `${provider.alias} makes a clip between a first and a last frame: ` +
          `give last-frame (or keyframes) for segment ${plan.segment}.`,
      )
    }
  }
  // The preview renders with ffmpeg: checked before anything is generated (VID_001 otherwise).
  if (provider.preview && !hasFfmpeg) await requireFfmpeg(inputs, context)
  const notices: string[] = []
  if (provider.preview) {
    notices.push(PREVIEW_VIDEO_NOTICE)
    logger.warn(
      choice.standIn
        ? `No mcp-config: the preview server stands in for ${provider.alias}. ${PREVIEW_VIDEO_NOTICE}`
        : PREVIEW_VIDEO_NOTICE,
    )
  }
  const frames = await resolveFrames(plans, provider.preview, context)
  if (!provider.acceptsLastFrame && plans.some((p) => p.last.length > 0)) {
    logger.warn(`${provider.label} does not take a last frame; the clips will not end on it.`)
  }
  if (shard) notices.push(videoShardNotice(shard))
  const queue = services.queue(inputs.maxParallel, videoQueueLimits(shard, inputs, provider))
  const { journal } = services
  const priceUsd = clipPrice(provider, choice.priceUsd, registry.find(provider.alias), inputs)
  const plugin = choice.plugin
  return { provider, plugin, priceUsd, plans, frames, notices, queue, journal, shard }
}

/**
 * The video provider of the run: a plug-in of `deps` for the `model` named, else the model
 * services' (`chooseVideoProvider`) with its jobs run by `runner` (the services' job runner;
 * a `JobRecorder` when the jobs are planned, not run). `plugin`: true for a plug-in, whose jobs
 * go to a runner of its own.
 *
 * @throws KamuiError IMG_002 for an unknown model, CFG_001 for a malformed comfyui-url
 */
export function chooseClipProvider(
  inputs: VideoGenerationInputs,
  services: ModelServices,
  deps: VideoGenerationDeps,
  logger: StageContext['logger'],
  runner: ModelJobRunner = services.runner,
): VideoChoice & { plugin: boolean } {
  const { registry } = services
  const custom = inputs.model ? deps.videoProvider?.(inputs.model, { registry, logger }) : undefined
  if (custom) return { provider: custom, standIn: false, priceUsd: null, plugin: true }
  const choice = chooseVideoProvider(inputs.model, {
    registry,
    runner,
    comfy: () => services.comfy(),
    gpu: services.gpu,
    previewMode: services.previewMode,
    pollIntervalMs: inputs.pollIntervalMs,
    pollOverrideMs: services.pollIntervalMs,
  })
  return { ...choice, plugin: false }
}

/**
 * The registry price of one clip (issue 11): the entry's `price` per clip call, or per second
 * × `duration`; else the chooser's (`priceUsd` per call, null for the preview and plug-ins).
 */
function clipPrice(
  provider: VideoProvider,
  fallback: number | null,
  entry: ModelEntry | undefined,
  inputs: VideoGenerationInputs,
): number | null {
  if (provider.preview || !entry?.price) return fallback
  return jobCost(entryPrice(entry), { images: 1, pixels: null, seconds: inputs.durationS }).usd
}

/**
 * The dry run's estimate of the run's clip jobs (`planClipJobs` with the same provider on a
 * `JobRecorder`), US dollars; null when the jobs cannot be planned ahead (a plug-in provider,
 * keyframes streamed by the pipeline).
 */
async function estimateClips(
  setup: ClipSetup,
  inputs: VideoGenerationInputs,
  context: StageContext,
  services: ModelServices,
  deps: VideoGenerationDeps,
): Promise<number | null> {
  if (setup.plugin || inputs.keyframeSegments) return null
  const recorder = new JobRecorder()
  const planner = chooseClipProvider(inputs, services, deps, context.logger, recorder).provider
  const plan = await planClipJobs(
    { ...setup, provider: planner },
    recorder,
    inputs,
    context,
    services,
  )
  return plan.totals.estimated_usd
}

/** Throws the VID_001 of a missing ffmpeg that is required (the preview renders with it). */
async function requireFfmpeg(inputs: VideoGenerationInputs, context: StageContext): Promise<void> {
  await prepareFfmpeg(context.env, {
    allowBundled: inputs.allowBundledFfmpeg,
    required: true,
    logger: context.logger,
  })
}

/** Makes every clip on the queue: the planned ones, and those of keyframes still being made. */
async function generateClips(
  setup: ClipSetup,
  inputs: VideoGenerationInputs,
  context: StageContext,
  folder: string,
  tools: FfmpegTools | undefined,
): Promise<ClipRecord[]> {
  const { plans, frames, provider } = setup
  const clip: MakeClipContext = {
    folder,
    provider,
    queue: setup.queue,
    tools,
    fps: inputs.fps,
    aspect: inputs.aspect,
    timeoutMs: inputs.videoTimeoutMs,
    signal: context.signal,
    logger: context.logger,
    journal: setup.journal,
    segments: Math.max(0, ...setup.plans.map((p) => p.segment)),
  }
  const clips = await Promise.all(
    plans.map((plan, i) =>
      makeClip(plan, frames[i]?.first as ResolvedFrame, frames[i]?.last, clip),
    ),
  )
  if (!inputs.keyframeSegments) return clips
  return makeStreamedClips(inputs.keyframeSegments, plans, {
    clip,
    base: path.dirname(resolveInWorkspace(context.workspace, inputs.keyframes ?? '', 'keyframes')),
    workspace: context.workspace,
    prompt: inputs.prompt,
    defaultDurationS: inputs.durationS,
    requiresLastFrameOf: provider.requiresLastFrame ? provider.label : undefined,
    resolveFrames: async (plan) =>
      (await resolveFrames([plan], provider.preview, context))[0] as ClipFrames,
  })
}

/** What the tail of a run reports on. */
interface MadeClips extends ClipSetup {
  clips: ClipRecord[]
  ffmpeg: { tools: FfmpegTools; info: FfmpegInfo } | undefined
  /** The run record and the done-marker check of the input. */
  start: StageStart
  startedAt: number
  folder: string
  /** The run journal's job counts (reused, resumed, new, resubmitted). */
  jobs: JournalCounts | undefined
  /** Cost of the clip jobs and the budget (issue 11). */
  cost?: CostSummary | undefined
}

/**
 * Joins the clips (concatenate), writes the report and the telemetry, logs the warnings and
 * returns the result.
 *
 * @throws KamuiError RUN_001 when cancelled, the first failed clip's error (after writing)
 */
async function finishVideo(
  m: MadeClips,
  inputs: VideoGenerationInputs,
  context: StageContext,
): Promise<VideoGenerationResult> {
  const { folder, clips, provider } = m
  const cancelled = context.signal?.aborted ?? false
  const made = clips.filter((c) => c.status === 'ok')
  const failed = clips.filter((c) => c.status === 'failed')
  const warnings = failed.map((c) => ({
    code: c.error?.code ?? 'VID_002',
    message: c.error?.message ?? `segment ${c.segment} failed`,
  }))
  let final: FinalRecord | null = null
  // A shard leaves the joining to kamui merge, which has every clip.
  if (inputs.concatenate && !m.shard && failed.length === 0 && !cancelled && m.ffmpeg) {
    final = await joinClips(made, folder, inputs, { ...context, run: m.start.run }, m.ffmpeg.tools)
  } else if (inputs.concatenate && failed.length > 0) {
    warnings.push({
      code: 'VID_002',
      message: `${FINAL_VIDEO_FILE} was not made: ${failed.length} clip(s) failed.`,
    })
  }
  const report = videoReport(m, inputs, context, { final, warnings, cancelled })
  const reportPath = path.join(folder, VIDEO_REPORT_FILE)
  await finishStage({
    folder,
    logger: context.logger,
    doneMarker: m.start.doneMarker,
    warnings,
    complete: !cancelled && failed.length === 0,
    writeFiles: async () => {
      await writeRedactedJson(reportPath, report, context.redactor)
      if (m.shard) await writeShardRecord(folder, m.shard, context.redactor)
    },
    writeTelemetry: (_written, doneMarker) =>
      writeVideoTelemetry({
        folder,
        run: m.start.run,
        endedAt: new Date(),
        clips,
        final,
        costUsd: m.priceUsd,
        redactor: context.redactor,
        cancelled,
        ffmpeg: m.ffmpeg?.info ?? null,
        doneMarker,
      }),
  })
  if (cancelled) {
    throw new KamuiError(
      'RUN_001',
      `The run was cancelled; ${made.length} clip(s) made before that were kept in ${folder}.`,
    )
  }
  // Clips max-cost-usd refused (COST_001) do not fail a run that made others (issue 11).
  const firstFailure = (
    failed.find((c) => c.error?.code !== 'COST_001') ?? (made.length === 0 ? failed[0] : undefined)
  )?.error
  if (failed.length > 0 && !firstFailure)
    context.logger.warn(
      `COST_001: max-cost-usd reached: ${failed.length} clip(s) not submitted, ${made.length} kept.`,
    )
  if (firstFailure) {
    const others =
      failed.length > 1 ? ` (${failed.length} clips failed; see ${VIDEO_REPORT_FILE})` : ''
    throw new KamuiError(
      firstFailure.code as KamuiError['code'],
      `${firstFailure.message}${others}`,
    )
  }
  const preview = provider.preview
  return { folder, clips: made, final, model: provider.label, preview, report, reportPath }
}

/** `metadata/video-report.json` of a run. */
function videoReport(
  m: MadeClips,
  inputs: VideoGenerationInputs,
  context: StageContext,
  outcome: { final: FinalRecord | null; warnings: VideoReport['warnings']; cancelled: boolean },
): VideoReport {
  const { clips } = m
  return {
    schema_version: 1,
    generator: { name: 'kamui-media-actions', version: context.version },
    preview: m.provider.preview,
    notices: m.notices,
    request: {
      prompt: inputs.prompt,
      model: m.provider.alias,
      segments: m.plans.map((p) => p.segment),
      keyframes: inputs.keyframes ?? null,
      duration_s: inputs.durationS,
      fps: inputs.fps,
      aspect_ratio: inputs.aspect?.text ?? null,
      concatenate: inputs.concatenate,
      video_timeout_s: inputs.videoTimeoutMs / 1000,
      poll_interval_s: inputs.pollIntervalMs / 1000,
      max_parallel: inputs.maxParallel,
    },
    ffmpeg: m.ffmpeg?.info ?? null,
    clips,
    final: outcome.final,
    summary: {
      clips_made: clips.filter((c) => c.status === 'ok').length,
      clips_failed: clips.filter((c) => c.status === 'failed').length,
      total_ms: Math.round(performance.now() - m.startedAt),
      cancelled: outcome.cancelled,
      ...(m.jobs ? { jobs: m.jobs } : {}),
    },
    warnings: outcome.warnings,
    ...(m.cost ? { cost: m.cost } : {}),
  }
}

/**
 * What the stage consumes for the done-marker check: the keyframes.json, else the first-frame
 * file (`input-image-path`, else the image stage's primary image in the folder); nothing for a
 * URL, or for keyframes streamed segment by segment by the pipeline (it hands them over
 * itself). A path that is not valid is left to the frame checks, which come next.
 */
function stageInput(inputs: VideoGenerationInputs, workspace: string, folder: string): StageInput {
  if (inputs.keyframeSegments) {
    return { none: 'the keyframes are handed over segment by segment by the pipeline' }
  }
  try {
    if (inputs.keyframes)
      return { file: resolveInWorkspace(workspace, inputs.keyframes, 'keyframes') }
    if (inputs.inputImagePath) {
      return { file: resolveInWorkspace(workspace, inputs.inputImagePath, 'input-image-path') }
    }
  } catch {
    return { none: 'the input path is not a file in the workspace' }
  }
  const legacy = path.join(folder, LEGACY_IMAGE)
  if (existsSync(legacy)) return { file: legacy }
  return { none: 'the first frame is a URL (google-image-url), not a file of another stage' }
}

/** The clips to make: every segment of the keyframes file, or one segment from the inputs. */
async function planClips(
  inputs: VideoGenerationInputs,
  workspace: string,
  folder: string,
  logger: StageContext['logger'],
): Promise<ClipPlan[]> {
  if (inputs.keyframes) {
    const ignored = (['googleImageUrl', 'inputImagePath', 'lastFrame'] as const).filter(
      (k) => inputs[k],
    )
    if (ignored.length > 0) {
      logger.warn(
        'keyframes is given: google-image-url, input-image-path and last-frame are not used.',
      )
    }
    const file = resolveInWorkspace(workspace, inputs.keyframes, 'keyframes')
    // Streamed segments are planned as they arrive (see makeStreamedClips).
    if (inputs.keyframeSegments) return []
    return planFromKeyframes(file, workspace, inputs.prompt, inputs.durationS)
  }
  const first: FrameCandidate[] = []
  if (inputs.googleImageUrl) {
    first.push({ kind: 'url', value: inputs.googleImageUrl, origin: 'google-image-url' })
  }
  if (inputs.inputImagePath) {
    first.push({
      kind: 'path',
      value: resolveInWorkspace(workspace, inputs.inputImagePath, 'input-image-path'),
      origin: 'input-image-path',
    })
  }
  const legacy = path.join(folder, LEGACY_IMAGE)
  if (existsSync(legacy) && !first.some((c) => c.kind === 'path' && c.value === legacy)) {
    first.push({ kind: 'path', value: legacy, origin: `${inputs.folderName}/${LEGACY_IMAGE}` })
  }
  const last: FrameCandidate[] = []
  if (inputs.lastFrame) {
    last.push(
      /^[a-z][a-z0-9+.-]*:/i.test(inputs.lastFrame)
        ? { kind: 'url', value: inputs.lastFrame, origin: 'last-frame' }
        : {
            kind: 'path',
            value: resolveInWorkspace(workspace, inputs.lastFrame, 'last-frame'),
            origin: 'last-frame',
          },
    )
  }
  return [
    {
      segment: inputs.segmentNumber,
      prompt: inputs.prompt,
      durationS: inputs.durationS,
      first,
      last,
      alternatives: false,
    },
  ]
}

/** Every plan's frames, checked before anything is generated. */
async function resolveFrames(
  plans: readonly ClipPlan[],
  preferLocal: boolean,
  context: StageContext,
): Promise<{ first: ResolvedFrame; last: ResolvedFrame | undefined }[]> {
  const signal = context.signal ?? new AbortController().signal
  const out: { first: ResolvedFrame; last: ResolvedFrame | undefined }[] = []
  for (const plan of plans) {
    const options = {
      signal,
      logger: context.logger,
      preferLocal: preferLocal && plan.alternatives,
    }
    const first = await resolveFrame(plan.first, {
      ...options,
      what: `the first frame of segment ${plan.segment}`,
    })
    const last = plan.last.length
      ? await resolveFrame(plan.last, {
          ...options,
          what: `the last frame of segment ${plan.segment}`,
        })
      : undefined
    out.push({ first, last })
  }
  return out
}

async function joinClips(
  clips: readonly ClipRecord[],
  folder: string,
  inputs: VideoGenerationInputs,
  context: StageContext,
  tools: FfmpegTools,
): Promise<FinalRecord> {
  const started = performance.now()
  let music: string | undefined
  if (inputs.musicFile) {
    music = resolveInWorkspace(context.workspace, inputs.musicFile, 'music-file')
    if (!existsSync(music)) {
      throw new KamuiError('CFG_001', `music-file "${inputs.musicFile}" does not exist.`)
    }
  } else if (existsSync(path.join(folder, LEGACY_MUSIC))) {
    music = path.join(folder, LEGACY_MUSIC)
    context.logger.info(`Using ${LEGACY_MUSIC} of the folder as the music track.`)
  } else {
    context.logger.info(
      'No music-file and no music/generated-music.wav: the joined video is silent.',
    )
  }
  const { record, result } = await joinFinalVideo(tools, clips, {
    folder,
    workspace: context.workspace,
    music,
    metadataArgs: finalVideoProvenance(clips, {
      embed: inputs.embedProvenance !== false,
      runId: context.run?.id ?? 'local',
      prompt: inputs.prompt,
      redact: (text) => context.redactor.redact(text),
    }),
    signal: context.signal,
    startedMs: started,
  })
  context.logger.info(
    `${FINAL_VIDEO_FILE}: ${record.clips.length} clip(s), ${result.durationS.toFixed(2)} s` +
      (result.music ? `, music ${result.music.fit}` : ', silent') +
      '.',
  )
  return record
}
