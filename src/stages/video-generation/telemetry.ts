import type { Redactor } from '../../core/redactor.js'
import type { FfmpegInfo } from '../../media/video/ffmpeg.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
  type ArtifactExtra,
} from '../../output/telemetry/artifacts.js'
import type { RunInfo } from '../../output/telemetry/run-info.js'
import type { Artifact, Cost, StageDoneMarker, TelemetryError } from '../../contracts/telemetry.js'
import { VIDEO_REPORT_FILE, type ClipRecord, type FinalRecord } from './report.js'

/** What {@link writeVideoTelemetry} needs from the run. */
export interface VideoTelemetryInput {
  /** Absolute folder of the run. */
  folder: string
  run: RunInfo
  endedAt: Date
  /** Every clip, made or failed. */
  clips: readonly ClipRecord[]
  final: FinalRecord | null
  /** Price of one clip from the registry (hosted models), or null when unknown or not charged. */
  costUsd: number | null
  redactor: Redactor
  cancelled: boolean
  /** The ffmpeg checked at start-up (path, version, system or bundled), or null without one. */
  ffmpeg: FfmpegInfo | null
  /** The done-marker check of the stage's input (`done_marker` of the stage record). */
  doneMarker: StageDoneMarker
}

const PREVIEW_COST: Cost = { usd: 0, basis: 'preview server: rendered offline, no charge' }

/**
 * Writes `metadata/artifact-metadata.json` (SPEC §7) for a video run: every clip with its
 * measured width, height, frames and duration, its model, timings, attempts, retried errors and
 * cost; the joined video (derived from the clips: no model, no cost); the report; the ffmpeg
 * used; and the done-marker check of the stage's input (`done_marker` of the stage record).
 * Failed clips and a cancellation are stage-level errors. Hosted MCP models and the preview
 * server use no GPU of ours (a ComfyUI provider reports its GPU memory through the clip's
 * record).
 *
 * @returns the path of the file written
 */
export async function writeVideoTelemetry(input: VideoTelemetryInput): Promise<string> {
  const { folder } = input
  const artifacts: Artifact[] = []
  const errors: TelemetryError[] = []
  for (const clip of input.clips) {
    if (clip.status !== 'ok' || clip.file === null) {
      if (clip.error) errors.push({ code: clip.error.code, message: clip.error.message })
      continue
    }
    artifacts.push(await describeArtifact(folder, clip.file, clipExtra(clip, input.costUsd)))
  }
  const anyPreview = input.clips.some((c) => c.preview)
  if (input.final) {
    artifacts.push(
      await describeArtifact(folder, input.final.file, finalExtra(input.final, anyPreview)),
    )
  }
  artifacts.push(await describeArtifact(folder, VIDEO_REPORT_FILE, { preview: anyPreview }))
  if (input.cancelled) errors.push({ code: 'RUN_001', message: 'The run was cancelled.' })
  const record = {
    ...buildArtifactMetadata({
      stage: 'video-generation',
      run: input.run,
      endedAt: input.endedAt,
      artifacts,
      errors,
      doneMarker: input.doneMarker,
    }),
    ffmpeg: input.ffmpeg
      ? {
          path: input.ffmpeg.path,
          version: input.ffmpeg.version,
          source: input.ffmpeg.source,
          found_via: input.ffmpeg.found_via,
          ffprobe: input.ffmpeg.ffprobe,
        }
      : null,
  }
  return (await writeArtifactMetadata(folder, record, input.redactor)).file
}

/** The record of a made clip. */
function clipExtra(clip: ClipRecord, costUsd: number | null): ArtifactExtra {
  return {
    width: clip.video?.width ?? null,
    height: clip.video?.height ?? null,
    frames: clip.video?.frames ?? null,
    duration_s: clip.video?.duration_s ?? null,
    model: {
      alias: clip.model,
      provider: clip.provider,
      server: clip.server,
      tool: clip.tools[0] ?? null,
      workflow: clip.workflow,
    },
    timings: clip.timings,
    attempts: clip.attempts,
    retries: clip.retried_errors.length,
    errors: clip.retried_errors,
    gpu_memory: clip.gpu_memory,
    done_marker: null,
    cost: clip.preview
      ? PREVIEW_COST
      : costUsd === null
        ? { usd: null, basis: 'price unknown: no price in the model registry' }
        : { usd: costUsd, basis: `price of ${clip.model} in the model registry (one clip)` },
    preview: clip.preview,
    segment: clip.segment,
    url: clip.url,
    request_id: clip.request_id,
    fps: clip.video?.fps ?? null,
    codec: clip.video?.codec ?? null,
    pixel_format: clip.video?.pixel_format ?? null,
    first_frame: clip.first_frame?.origin ?? null,
    last_frame: clip.last_frame?.origin ?? null,
  }
}

/** The record of the joined video: derived from the clips, no model, no cost of its own. */
function finalExtra(final: FinalRecord, preview: boolean): ArtifactExtra {
  return {
    width: final.width,
    height: final.height,
    frames: final.frames,
    duration_s: final.measured_duration_s ?? final.duration_s,
    timings: {
      queue_wait_ms: null,
      generation_ms: null,
      download_ms: null,
      total_ms: final.total_ms,
    },
    preview,
    derived_from: final.clips,
    music: final.music,
    music_fit: final.music_fit,
    fps: final.fps,
  }
}
