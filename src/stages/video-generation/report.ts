import type { FfmpegInfo } from '../../media/video/ffmpeg.js'
import type { CostSummary } from '../../contracts/cost.js'

/** A frame a clip was made from, as recorded. */
export interface FrameRecord {
  /** The input it came from (`google-image-url`, `input-image-path`, `keyframes segment 2 firstFrame.path`). */
  origin: string
  width: number
  height: number
  /** Candidates tried first and why they were not usable (an expired URL, a missing file). */
  skipped: { origin: string; reason: string }[]
}

/** The measured properties of a stored clip. */
export interface VideoInfo {
  codec: string
  pixel_format: string | null
  width: number
  height: number
  fps: number | null
  frames: number | null
  duration_s: number | null
  container: string
  /** `ffprobe`, `ffmpeg` (parsed `ffmpeg -i`) or `magic-bytes` (no ffmpeg: not measured). */
  checked_with: string
  /** True when the delivered video was converted to H.264 / yuv420p. */
  converted: boolean
}

/** One clip of the run (made or failed). */
export interface ClipRecord {
  segment: number
  status: 'ok' | 'failed'
  /** `videos/segment-{N}.mp4`, relative to the folder; null when not made. */
  file: string | null
  /** The model label (`hailuo-02-pro`, `preview`, `preview:<alias>`). */
  model: string
  /** `mcp`, `comfyui` or `preview`. */
  provider: string
  preview: boolean
  /** The URL the model returned (or the preview identifier), if any. */
  url: string | null
  server: string | null
  tools: string[]
  workflow: string | null
  request_id: string | null
  prompt: string
  requested: { duration_s: number; fps: number; aspect_ratio: string | null }
  first_frame: FrameRecord | null
  last_frame: FrameRecord | null
  video: VideoInfo | null
  timings: {
    queue_wait_ms: number | null
    generation_ms: number | null
    download_ms: number | null
    total_ms: number | null
  }
  attempts: number
  retried_errors: { code: string; message: string }[]
  /** GPU memory of a self-hosted run (a plugged-in ComfyUI provider), MiB; null otherwise. */
  gpu_memory: { before_mib: number; after_mib: number; delta_mib: number } | null
  error: { code: string; message: string } | null
}

/** The joined video. */
export interface FinalRecord {
  /** `final/final-music-video.mp4`, relative to the folder. */
  file: string
  width: number
  height: number
  fps: number
  frames: number | null
  /** Sum of the clips' durations, seconds: the intended length. */
  duration_s: number
  /** The length of the written file as probed (container), seconds; null when unknown. */
  measured_duration_s: number | null
  /** Workspace path of the music track, or null for a silent video. */
  music: string | null
  /** How the music was fitted (`looped`, `trimmed`, `exact`, `unknown`), or null. */
  music_fit: string | null
  music_duration_s: number | null
  /** Clip files joined, in order. */
  clips: string[]
  total_ms: number
}

/** `metadata/video-report.json`. */
export interface VideoReport {
  schema_version: 1
  generator: { name: string; version: string }
  /** True when any clip is preview output. */
  preview: boolean
  notices: string[]
  request: {
    prompt: string
    model: string
    segments: number[]
    keyframes: string | null
    duration_s: number
    fps: number
    aspect_ratio: string | null
    concatenate: boolean
    video_timeout_s: number
    poll_interval_s: number
    max_parallel: number
  }
  /** The ffmpeg that ran, its version and whether it is the system's or the bundled build. */
  ffmpeg: FfmpegInfo | null
  clips: ClipRecord[]
  final: FinalRecord | null
  summary: {
    clips_made: number
    clips_failed: number
    total_ms: number
    cancelled: boolean
    /**
     * Clip jobs by how the run journal and the job cache served them (issue 11): `reused` (a
     * clip file of an earlier run or a cache entry, no model call), `resumed` (followed by
     * the stored request id, no new submit), `new` (submitted in this run), `resubmitted`
     * (of `new`: a stored handle that could not be followed).
     */
    jobs?: { reused: number; resumed: number; new: number; resubmitted: number }
  }
  warnings: { code: string; message: string }[]
  /**
   * Cost of the clip jobs at registry prices and the budget (issue 11, `max-cost-usd`):
   * `CostSummary` of `src/contracts/cost.ts`; `estimated_usd` is the dry run's figure for the
   * same clip jobs (null for a plug-in provider or keyframes streamed by the pipeline).
   */
  cost?: CostSummary
}

/** Where the report goes, relative to the folder. */
export const VIDEO_REPORT_FILE = 'metadata/video-report.json'
/** Where the joined video goes, relative to the folder (legacy name). */
export const FINAL_VIDEO_FILE = 'final/final-music-video.mp4'
/** Where clip N goes, relative to the folder (legacy name). */
export function clipFile(segment: number): string {
  return `videos/segment-${segment}.mp4`
}
