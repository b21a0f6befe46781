import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { parseAspectRatio, type AspectRatio } from '../../media/video/size.js'
import { MAX_PREVIEW_FPS, MAX_PREVIEW_SECONDS } from '../../media/video/preview-clip.js'
import { optionalInput, parseBooleanInput, parseNumberInput } from '../../core/parse-input.js'
import type { KeyframeSegmentHandoff } from '../../contracts/keyframes-handoff.js'
import { parseShardInputs, type ShardInputs } from '../../contracts/shard-manifest.js'
import { parseResumeInput, type ResumeInput } from '../../contracts/resume-input.js'
import { parseMaxCost } from '../../contracts/budget-inputs.js'
import { parseCacheInputs, type CacheInputs } from '../../contracts/cache-inputs.js'
import { parseProvenanceInput } from '../../contracts/provenance.js'
import { VIDEO_GENERATION_INPUTS } from './spec.js'

/** Typed inputs of the video-generation stage. */
export interface VideoGenerationInputs {
  prompt: string
  /** As given; resolved inside the workspace by the stage. */
  folderName: string
  branchName: string
  /** Raw `mcpServers` JSON, or undefined (preview provider). */
  mcpConfig: string | undefined
  googleImageUrl: string | undefined
  inputImagePath: string | undefined
  /** URL or workspace path. */
  lastFrame: string | undefined
  /** Workspace path of a keyframes.json. */
  keyframes: string | undefined
  segmentNumber: number
  /** Model alias or template name; undefined = automatic (hailuo-02-pro with mcp-config, else preview). */
  model: string | undefined
  /** Seconds. */
  durationS: number
  aspect: AspectRatio | undefined
  fps: number
  concatenate: boolean
  musicFile: string | undefined
  /** Deadline of one clip, ms. */
  videoTimeoutMs: number
  /** Pause between two status calls of hosted jobs, ms. */
  pollIntervalMs: number
  maxParallel: number
  modelRegistry: string | undefined
  /** `allow-bundled-ffmpeg`: the 2018 npm build may stand in for a missing system ffmpeg. */
  allowBundledFfmpeg: boolean
  /** `comfyui-url` as given (comma list), or undefined for the default server. */
  comfyuiUrl: string | undefined
  /** `shard` (k/N, by segment) and `shard-manifest` (issue 13). */
  shard?: ShardInputs | undefined
  /** `embed-provenance`: embed provenance in the final MP4 (absent: true). */
  embedProvenance?: boolean
  /** How the folder's run journal is used (input `resume`, issue 11). */
  resume: ResumeInput
  /** `max-cost-usd` (issue 11): the run's budget in US dollars; undefined: no cap. */
  maxCostUsd?: number | undefined
  /** `dry-run` (issue 11): plan the clip jobs and estimate their cost, call no model; absent: false. */
  dryRun?: boolean
  /** The job cache (`cache-folder`, `cache-ttl-hours`). */
  cache: CacheInputs
  /**
   * Keyframes still being made (set by the pipeline, never parsed from an input): one promise
   * per segment of `keyframes`, resolving to the segment as keyframes.json will hold it (frame
   * paths relative to its folder) once both its frames exist, rejecting when the segment
   * failed. Each clip then starts as soon as its segment resolves, and the file is not read.
   */
  keyframeSegments?: readonly Promise<KeyframeSegmentHandoff>[]
}

/**
 * Parses the action's raw string inputs (defaults applied).
 *
 * @throws KamuiError IMG_009 for an empty video-prompt; CFG_001 for an empty folder-name or any
 *   malformed value (the message names the input, the value and what is accepted)
 */
export function parseVideoInputs(raw: RawInputs): VideoGenerationInputs {
  const r = withDefaults(VIDEO_GENERATION_INPUTS, raw)
  const prompt = (r['video-prompt'] ?? '').trim()
  if (prompt === '') {
    throw new KamuiError('IMG_009', 'video-prompt is empty: describe the clip to generate.')
  }
  if (prompt.length > 10_000) {
    throw new KamuiError(
      'IMG_009',
      `video-prompt is ${prompt.length} characters long; at most 10000 are accepted.`,
    )
  }
  const folderName = (r['folder-name'] ?? '').trim()
  if (folderName === '') {
    throw new KamuiError('CFG_001', 'folder-name is empty: name the folder for the results.')
  }
  return {
    prompt,
    folderName,
    branchName: (r['branch-name'] ?? '').trim(),
    mcpConfig: optionalInput(r, 'mcp-config'),
    googleImageUrl: optionalInput(r, 'google-image-url'),
    inputImagePath: optionalInput(r, 'input-image-path'),
    lastFrame: optionalInput(r, 'last-frame'),
    keyframes: optionalInput(r, 'keyframes'),
    segmentNumber: parseNumberInput(r, 'segment-number', 1, 999, true),
    model: optionalInput(r, 'model'),
    durationS: parseNumberInput(r, 'duration', 0.5, MAX_PREVIEW_SECONDS, false),
    aspect: parseAspectRatio(r['aspect-ratio'] ?? ''),
    fps: parseNumberInput(r, 'fps', 1, MAX_PREVIEW_FPS, true),
    concatenate: parseBooleanInput(r, 'concatenate'),
    musicFile: optionalInput(r, 'music-file'),
    videoTimeoutMs: parseNumberInput(r, 'video-timeout', 1, 86_400, false) * 1000,
    pollIntervalMs: Math.round(parseNumberInput(r, 'poll-interval', 0.05, 60, false) * 1000),
    maxParallel: parseNumberInput(r, 'max-parallel', 1, 10, true),
    modelRegistry: optionalInput(r, 'model-registry'),
    allowBundledFfmpeg: parseBooleanInput(r, 'allow-bundled-ffmpeg'),
    comfyuiUrl: optionalInput(r, 'comfyui-url'),
    shard: parseShardInputs(r),
    embedProvenance: parseProvenanceInput(r),
    resume: parseResumeInput(r),
    maxCostUsd: parseMaxCost(r),
    dryRun: parseBooleanInput(r, 'dry-run'),
    cache: parseCacheInputs(r),
  }
}
