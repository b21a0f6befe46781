import path from 'node:path'
import { concatenateClips, type ConcatResult } from '../../media/video/concat.js'
import type { FfmpegTools } from '../../media/video/ffmpeg.js'
import { provenanceMetadataArgs } from '../../media/provenance/mp4.js'
import { provenanceToEmbed } from '../../media/provenance/record.js'
import { FINAL_VIDEO_FILE, type ClipRecord, type FinalRecord } from './report.js'

/**
 * The legacy music file of a run folder: the final video's music when music-file is empty (and
 * the one a merge joins under the clips when present).
 */
export const LEGACY_MUSIC = 'music/generated-music.wav'

/** What the final video's provenance tags name besides its clips. */
export interface FinalProvenanceSource {
  /** `embed-provenance`: false writes no tags. */
  embed: boolean
  /** The run id recorded (`local` outside Actions). */
  runId: string
  /** The video prompt. */
  prompt: string
  /** Masks secrets in the recorded text (the stage passes its redactor's). */
  redact?: (text: string) => string
}

/**
 * The ffmpeg arguments that embed the final video's provenance as MP4 metadata tags (issue 16):
 * the clips' models and providers, the video prompt and the run; `algorithmicMedia` when every
 * clip is preview output. Empty when `source.embed` is false.
 */
export function finalVideoProvenance(
  clips: readonly ClipRecord[],
  source: FinalProvenanceSource,
): string[] {
  const unique = (values: string[]): string => [...new Set(values)].join(', ')
  return provenanceMetadataArgs(
    provenanceToEmbed(
      {
        embed: source.embed,
        stage: 'video-generation',
        runId: source.runId,
        ...(source.redact ? { redact: source.redact } : {}),
      },
      {
        model: unique(clips.map((c) => c.model)),
        provider: unique(clips.map((c) => c.provider)),
        algorithmic: clips.length > 0 && clips.every((c) => c.preview),
        prompt: source.prompt,
      },
    ),
  )
}

/** How {@link joinFinalVideo} joins a folder's clips. */
export interface FinalVideoJoin {
  /** Absolute run folder: the clips' files are relative to it, the video is written into it. */
  folder: string
  workspace: string
  /** Absolute path of the music track (already found to exist), or undefined for silence. */
  music: string | undefined
  /** Output arguments after the H.264 ones (the provenance tags). */
  metadataArgs: readonly string[]
  signal?: AbortSignal | undefined
  /** `performance.now()` when the joining began: the record's `total_ms` counts from it. */
  startedMs: number
}

/**
 * Joins the clips (in the order given) into `final/final-music-video.mp4` of the folder.
 *
 * @returns the report's record of the final video (music path workspace-relative) and what
 *   concatenation measured
 * @throws the errors of {@link concatenateClips}
 */
export async function joinFinalVideo(
  tools: FfmpegTools,
  clips: readonly ClipRecord[],
  join: FinalVideoJoin,
): Promise<{ record: FinalRecord; result: ConcatResult }> {
  const { folder, music } = join
  const files = clips.map((c) => c.file as string)
  const result = await concatenateClips(tools, {
    clips: files.map((f) => path.join(folder, f)),
    output: path.join(folder, FINAL_VIDEO_FILE),
    ...(music ? { music } : {}),
    metadataArgs: join.metadataArgs,
    ...(join.signal ? { signal: join.signal } : {}),
  })
  const record: FinalRecord = {
    file: FINAL_VIDEO_FILE,
    width: result.width,
    height: result.height,
    fps: result.fps,
    frames: result.output.frames,
    duration_s: result.durationS,
    measured_duration_s: result.output.containerDurationS ?? result.output.durationS,
    music: music ? path.relative(join.workspace, music).split(path.sep).join('/') : null,
    music_fit: result.music?.fit ?? null,
    music_duration_s: result.music?.durationS ?? null,
    clips: files,
    total_ms: Math.round(performance.now() - join.startedMs),
  }
  return { record, result }
}
