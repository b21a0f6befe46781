import { KamuiError } from '../../core/errors.js'
import type { FfmpegTools } from './ffmpeg.js'
import { runTool } from './run-tool.js'

/** What a video file holds, as ffprobe (or, without it, `ffmpeg -i`) reports it. */
export interface VideoProbe {
  /** Container format names (`mov,mp4,m4a,3gp,3g2,mj2` for MP4). */
  container: string
  /** Codec of the first video stream (`h264`). */
  codec: string
  /** Pixel format of the first video stream (`yuv420p`), or null when not reported. */
  pixelFormat: string | null
  width: number
  height: number
  /** Frames per second of the video stream (average frame rate), or null when unknown. */
  fps: number | null
  /** Frames in the video stream (counted when the container does not say), or null. */
  frames: number | null
  /** Duration of the video stream in seconds (the container's when the stream has none). */
  durationS: number | null
  /** Duration of the whole file (container), seconds, or null. */
  containerDurationS: number | null
  /** The first audio stream, or null when there is none. */
  audio: { codec: string; durationS: number | null } | null
  /** Which tool produced the figures. */
  via: 'ffprobe' | 'ffmpeg'
}

/**
 * Probes a video file: with ffprobe when there is one (JSON output; frames from the
 * container's `nb_frames`, else counted with `-count_frames`), otherwise by reading what
 * `ffmpeg -i <file> -map 0:v:0 -c copy -f null -` prints (stream line, duration, frame count).
 *
 * @throws KamuiError GEN_002 when the file holds no video stream or cannot be read as media
 */
export async function probeVideo(
  tools: FfmpegTools,
  file: string,
  signal?: AbortSignal,
): Promise<VideoProbe> {
  return tools.ffprobe
    ? probeWithFfprobe(tools.ffprobe, file, signal)
    : probeWithFfmpeg(tools.ffmpeg, file, signal)
}

interface FfprobeStream {
  codec_type?: string
  codec_name?: string
  pix_fmt?: string
  width?: number
  height?: number
  avg_frame_rate?: string
  r_frame_rate?: string
  nb_frames?: string
  nb_read_frames?: string
  duration?: string
}

interface FfprobeJson {
  streams?: FfprobeStream[]
  format?: { format_name?: string; duration?: string }
}

async function probeWithFfprobe(
  ffprobe: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<VideoProbe> {
  const run = async (extra: string[]): Promise<FfprobeJson> => {
    const args = [
      '-v',
      'error',
      ...extra,
      '-show_entries',
      'stream=codec_type,codec_name,pix_fmt,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_frames,duration:format=format_name,duration',
      '-of',
      'json',
      file,
    ]
    try {
      const out = await runTool(ffprobe, args, 'ffprobe', signal ? { signal } : {})
      return JSON.parse(out.stdout.toString('utf8')) as FfprobeJson
    } catch (error) {
      if (signal?.aborted) throw error
      throw notVideo(file, error)
    }
  }
  let json = await run([])
  let video = json.streams?.find((s) => s.codec_type === 'video')
  if (video && positiveInt(video.nb_frames) === null) {
    json = await run(['-count_frames'])
    video = json.streams?.find((s) => s.codec_type === 'video')
  }
  if (!video || !video.codec_name || !video.width || !video.height) throw notVideo(file)
  const audio = json.streams?.find((s) => s.codec_type === 'audio')
  const containerDurationS = positiveNumber(json.format?.duration)
  return {
    container: json.format?.format_name ?? 'unknown',
    codec: video.codec_name,
    pixelFormat: video.pix_fmt ?? null,
    width: video.width,
    height: video.height,
    fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate),
    frames: positiveInt(video.nb_frames) ?? positiveInt(video.nb_read_frames),
    durationS: positiveNumber(video.duration) ?? containerDurationS,
    containerDurationS,
    audio: audio
      ? { codec: audio.codec_name ?? 'unknown', durationS: positiveNumber(audio.duration) }
      : null,
    via: 'ffprobe',
  }
}

async function probeWithFfmpeg(
  ffmpeg: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<VideoProbe> {
  let stderr: string
  try {
    const out = await runTool(
      ffmpeg,
      ['-hide_banner', '-nostdin', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'],
      'ffmpeg',
      signal ? { signal } : {},
    )
    stderr = out.stderr
  } catch (error) {
    if (signal?.aborted) throw error
    throw notVideo(file, error)
  }
  const parsed = parseFfmpegInfo(stderr)
  if (!parsed) throw notVideo(file)
  return parsed
}

/**
 * Reads the figures `ffmpeg -i … -c copy -f null -` prints to stderr: `Input #0, <container>`,
 * `Duration: HH:MM:SS.ss`, the first `Stream …: Video: <codec> …, <pix_fmt>…, WxH…, <fps> fps`
 * line, the first `Stream …: Audio: <codec>` line, and the last `frame=` count.
 *
 * @returns undefined when no video stream line is found
 */
export function parseFfmpegInfo(stderr: string): VideoProbe | undefined {
  const streamLine = /Stream #\d+:\d+[^:]*: Video: ([^\n]+)/.exec(stderr)?.[1]
  if (!streamLine) return undefined
  const codec = /^([a-z0-9_]+)/i.exec(streamLine)?.[1]
  const size = /(?:^|[\s,])(\d{2,5})x(\d{2,5})(?:[\s,[]|$)/.exec(streamLine)
  if (!codec || !size) return undefined
  const parts = streamLine.split(/,\s*/)
  const pixelFormat = /^([a-z0-9_]+)(?:\(|$)/i.exec(parts[1]?.trim() ?? '')?.[1] ?? null
  const fps = Number(/([\d.]+) fps/.exec(streamLine)?.[1] ?? NaN)
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr)
  const durationS = duration
    ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3])
    : null
  const frameMatches = [...stderr.matchAll(/frame=\s*(\d+)/g)]
  const frames = frameMatches.length ? Number(frameMatches[frameMatches.length - 1]?.[1]) : null
  const audioCodec = /Stream #\d+:\d+[^:]*: Audio: ([a-z0-9_]+)/i.exec(stderr)?.[1]
  const videoDuration = frames && Number.isFinite(fps) && fps > 0 ? frames / fps : durationS
  return {
    container: /Input #0, ([^\s]+), from/.exec(stderr)?.[1]?.replace(/,$/, '') ?? 'unknown',
    codec,
    pixelFormat,
    width: Number(size[1]),
    height: Number(size[2]),
    fps: Number.isFinite(fps) && fps > 0 ? fps : null,
    frames: frames && frames > 0 ? frames : null,
    durationS: videoDuration,
    containerDurationS: durationS,
    audio: audioCodec ? { codec: audioCodec, durationS: null } : null,
    via: 'ffmpeg',
  }
}

/**
 * The duration of any media file ffmpeg reads (audio included), seconds: ffprobe's
 * `format=duration`, or the `Duration:` line of `ffmpeg -i`; null when neither says.
 *
 * @throws KamuiError GEN_002 when the file cannot be read as media
 */
export async function probeMediaDuration(
  tools: FfmpegTools,
  file: string,
  signal?: AbortSignal,
): Promise<number | null> {
  const options = signal ? { signal } : {}
  try {
    if (tools.ffprobe) {
      const out = await runTool(
        tools.ffprobe,
        ['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', file],
        'ffprobe',
        options,
      )
      const json = JSON.parse(out.stdout.toString('utf8')) as { format?: { duration?: string } }
      return positiveNumber(json.format?.duration)
    }
    const out = await runTool(
      tools.ffmpeg,
      ['-hide_banner', '-nostdin', '-i', file, '-f', 'null', '-'],
      'ffmpeg',
      options,
    )
    const match = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(out.stderr)
    return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : null
  } catch (error) {
    if (signal?.aborted) throw error
    throw new KamuiError('GEN_002', `${file} is not a readable media file.`, {
      cause: error,
      retryable: false,
    })
  }
}

/** Whether the bytes start like an MP4 / QuickTime file (`ftyp` box at offset 4). */
export function looksLikeMp4(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'ftyp'
}

/** Whether the bytes start like a WebM / Matroska file (EBML magic `1A 45 DF A3`). */
export function looksLikeWebm(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x1a &&
    bytes[1] === 0x45 &&
    bytes[2] === 0xdf &&
    bytes[3] === 0xa3
  )
}

function notVideo(file: string, cause?: unknown): KamuiError {
  return new KamuiError('GEN_002', `${file} is not a readable video (no video stream found).`, {
    ...(cause === undefined ? {} : { cause }),
    retryable: false,
  })
}

function rate(value: string | undefined): number | null {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(value ?? '')
  if (!match) return null
  const num = Number(match[1])
  const den = match[2] === undefined ? 1 : Number(match[2])
  return num > 0 && den > 0 ? num / den : null
}

function positiveInt(value: string | undefined): number | null {
  const n = Number(value)
  return value !== undefined && Number.isInteger(n) && n > 0 ? n : null
}

function positiveNumber(value: string | undefined): number | null {
  const n = Number(value)
  return value !== undefined && Number.isFinite(n) && n >= 0 ? n : null
}
