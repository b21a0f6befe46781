import { KamuiError } from '../../core/errors.js'
import { H264_OUTPUT_ARGS } from './encode.js'
import type { FfmpegTools } from './ffmpeg.js'
import { probeMediaDuration, probeVideo, type VideoProbe } from './probe.js'
import { writeMp4WithFfmpeg } from './write-mp4.js'

/** What {@link concatenateClips} joins. */
export interface ConcatRequest {
  /** Absolute paths of the clips, in playing order (at least one). */
  clips: readonly string[]
  /** Absolute path of the MP4 to write. */
  output: string
  /** Absolute path of a music track (any format ffmpeg reads), or undefined for a silent video. */
  music?: string
  /** Output arguments after the H.264 ones, e.g. the provenance metadata tags (`provenanceMetadataArgs`). */
  metadataArgs?: readonly string[]
  signal?: AbortSignal
}

/** What {@link concatenateClips} made. */
export interface ConcatResult {
  /** Size and frame rate of the result: those of the first clip. */
  width: number
  height: number
  fps: number
  /** Sum of the clips' video durations, seconds: the length of the result. */
  durationS: number
  /** The probe of every clip, in order. */
  clips: VideoProbe[]
  /** The probe of the written file. */
  output: VideoProbe
  /** The music track and what was done to fit it, or null without music. */
  music: {
    /** The track's own length, seconds (null when it could not be measured). */
    durationS: number | null
    /** `looped`: shorter than the video, repeated; `trimmed`: longer, cut; `exact`. */
    fit: 'looped' | 'trimmed' | 'exact' | 'unknown'
  } | null
}

/**
 * Joins clips in order into one H.264 / yuv420p MP4, with a music track when given (AAC).
 *
 * Every clip is scaled to fit the first clip's size (letterboxed when its aspect ratio
 * differs) and converted to the first clip's frame rate, so clips from different models join.
 * The result is exactly as long as the sum of the clips' durations: the music is looped
 * (`-stream_loop -1`) when shorter and cut when longer (`-t <sum>`). Clip audio is dropped: the
 * music track is the soundtrack, as in the legacy `video-concatenation` module.
 *
 * @throws KamuiError VID_002 when ffmpeg fails, GEN_002 when a clip is not a readable video
 */
export async function concatenateClips(
  tools: FfmpegTools,
  request: ConcatRequest,
): Promise<ConcatResult> {
  const { signal } = request
  if (request.clips.length === 0) throw new KamuiError('VID_002', 'There are no clips to join.')
  const probes: VideoProbe[] = []
  for (const clip of request.clips) probes.push(await probeVideo(tools, clip, signal))
  const first = probes[0] as VideoProbe
  const width = first.width
  const height = first.height
  const fps = first.fps ?? 24
  const durationS = probes.reduce((sum, p) => sum + (p.durationS ?? 0), 0)
  const inputs = request.clips.flatMap((clip) => ['-i', clip])
  const chains = request.clips.map(
    (_, i) =>
      `[${i}:v]scale=${width}:${height}:force_original_aspect_ratio=decrease,` +
      `pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=${fps},format=yuv420p[v${i}]`,
  )
  const joined = `${request.clips.map((_, i) => `[v${i}]`).join('')}concat=n=${request.clips.length}:v=1:a=0[vout]`
  const musicIndex = request.clips.length
  const musicArgs = request.music ? ['-stream_loop', '-1', '-i', request.music] : []
  const audioOut = request.music
    ? ['-map', `${musicIndex}:a:0`, '-c:a', 'aac', '-b:a', '192k']
    : ['-an']
  let music: ConcatResult['music'] = null
  if (request.music) {
    const musicDuration = await probeMediaDuration(tools, request.music, signal)
    music = {
      durationS: musicDuration,
      fit:
        musicDuration === null
          ? 'unknown'
          : Math.abs(musicDuration - durationS) < 0.01
            ? 'exact'
            : musicDuration < durationS
              ? 'looped'
              : 'trimmed',
    }
  }
  await writeMp4WithFfmpeg(
    tools,
    request.output,
    [
      ...inputs,
      ...musicArgs,
      '-filter_complex',
      [...chains, joined].join(';'),
      '-map',
      '[vout]',
      ...audioOut,
      '-t',
      durationS.toFixed(3),
      ...H264_OUTPUT_ARGS,
      ...(request.metadataArgs ?? []),
    ],
    signal,
  )
  const output = await probeVideo(tools, request.output, signal)
  return { width, height, fps, durationS, clips: probes, output, music }
}
