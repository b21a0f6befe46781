import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { RgbImage } from '../raster/rgb-image.js'
import type { FfmpegTools } from './ffmpeg.js'
import { runTool } from './run-tool.js'

/**
 * The H.264 settings every MP4 this suite writes uses: libx264, yuv420p (the pixel format every
 * browser and player decodes), BT.709 colour matrix and tags, `+faststart` (the index at the
 * front, so a browser starts playing before the whole file arrived).
 */
export const H264_OUTPUT_ARGS: readonly string[] = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '17',
  '-pix_fmt',
  'yuv420p',
  '-colorspace',
  'bt709',
  '-color_primaries',
  'bt709',
  '-color_trc',
  'bt709',
  '-color_range',
  'tv',
  '-movflags',
  '+faststart',
]

/** The scale filter that converts RGB to BT.709 limited-range YUV (to match the tags above). */
export const TO_BT709 = 'scale=out_color_matrix=bt709:out_range=tv'

/** Options of {@link encodeRgbFrames}. */
export interface EncodeOptions {
  width: number
  height: number
  /** Frames per second. */
  fps: number
  /** Container metadata (`title`, `comment`, …), written as `-metadata key=value`. */
  metadata?: Record<string, string>
  signal?: AbortSignal
}

/**
 * Encodes RGB frames (all `width` × `height`) into an H.264 / yuv420p MP4 at `output`. The
 * frames are streamed to ffmpeg's stdin as raw `rgb24`; the file is written under a temporary
 * name in the same folder and renamed into place, so `output` never holds half a video.
 *
 * @throws KamuiError VID_002 when ffmpeg fails; the signal's reason when aborted
 */
export async function encodeRgbFrames(
  tools: FfmpegTools,
  frames: Iterable<RgbImage> | AsyncIterable<RgbImage>,
  output: string,
  options: EncodeOptions,
): Promise<void> {
  const { width, height } = options
  async function* raw(): AsyncGenerator<Uint8Array> {
    for await (const frame of frames) {
      if (frame.width !== width || frame.height !== height) {
        throw new Error(`frame of ${frame.width}x${frame.height}, expected ${width}x${height}`)
      }
      yield frame.data
    }
  }
  const metadata = Object.entries(options.metadata ?? {}).flatMap(([k, v]) => [
    '-metadata',
    `${k}=${v}`,
  ])
  await writeAtomically(output, (temp) =>
    runTool(
      tools.ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${width}x${height}`,
        '-framerate',
        String(options.fps),
        '-i',
        'pipe:0',
        '-vf',
        TO_BT709,
        ...H264_OUTPUT_ARGS,
        ...metadata,
        '-f',
        'mp4',
        temp,
      ],
      'ffmpeg',
      { stdin: raw(), ...(options.signal ? { signal: options.signal } : {}) },
    ),
  )
}

/**
 * Runs `produce` with a temporary path next to `output`, then renames the temporary file to
 * `output`; on failure the temporary file is removed.
 */
export async function writeAtomically<T>(
  output: string,
  produce: (temp: string) => Promise<T>,
): Promise<T> {
  await mkdir(path.dirname(output), { recursive: true })
  const temp = path.join(
    path.dirname(output),
    `.${path.basename(output)}.${randomBytes(6).toString('hex')}.tmp`,
  )
  try {
    const result = await produce(temp)
    await rename(temp, output)
    return result
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
}
