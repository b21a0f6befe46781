import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { PNG } from 'pngjs'
import type { RgbImage } from '../../../src/media/raster/rgb-image.js'
import { testFfmpeg, testFfprobe } from '../../helpers/tools.js'

const run = promisify(execFile)

/** An RGB raster of `width` × `height` with `colour(x, y)` per pixel. */
export function makeImage(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3)
  }
  return { width, height, data }
}

/** The tints of the test keyframes 0–4 (red, green, blue, yellow, cyan), RGB. */
export const KEYFRAME_TINTS: readonly (readonly [number, number, number])[] = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [200, 200, 40],
  [40, 200, 200],
]

/**
 * Test keyframe `k` (0–4): its tint from {@link KEYFRAME_TINTS}, brightening by one level per
 * pixel to the right (capped at 255), `width` × `height` px.
 */
export function tintedKeyframe(k: number, width: number, height: number): RgbImage {
  const tint = KEYFRAME_TINTS[k]
  if (!tint) throw new Error(`no test keyframe ${k}`)
  return makeImage(
    width,
    height,
    (x) => tint.map((c) => Math.min(255, c + x)) as [number, number, number],
  )
}

/** Smooth test pictures (gradients survive H.264 and 4:2:0 chroma well). */
export const FIRST_PICTURE = (w: number, h: number): RgbImage =>
  makeImage(w, h, (x, y) => [Math.round((x * 255) / (w - 1)), Math.round((y * 255) / (h - 1)), 120])
export const LAST_PICTURE = (w: number, h: number): RgbImage =>
  makeImage(w, h, (x, y) => [
    220,
    Math.round(255 - (x * 200) / (w - 1)),
    Math.round((y * 180) / (h - 1)),
  ])

/** Writes an RGB raster as an 8-bit RGBA PNG. */
export async function writePng(file: string, image: RgbImage): Promise<Buffer> {
  const png = new PNG({ width: image.width, height: image.height })
  for (let i = 0; i < image.width * image.height; i++) {
    png.data[i * 4] = image.data[i * 3] as number
    png.data[i * 4 + 1] = image.data[i * 3 + 1] as number
    png.data[i * 4 + 2] = image.data[i * 3 + 2] as number
    png.data[i * 4 + 3] = 255
  }
  const bytes = PNG.sync.write(png)
  await writeFile(file, bytes)
  return bytes
}

/** What ffprobe says about a video's first video stream and the file. */
export interface Probe {
  codec: string
  pixFmt: string
  width: number
  height: number
  fps: number
  frames: number
  streamDuration: number
  formatDuration: number
  audioCodec: string | null
}

/** ffprobe (the system's, else @ffprobe-installer's: test/helpers/tools.ts) of a video file. */
export async function ffprobe(file: string): Promise<Probe> {
  const { stdout } = await run(testFfprobe().path, [
    '-v',
    'error',
    '-count_frames',
    '-show_entries',
    'stream=codec_type,codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames,duration:format=duration',
    '-of',
    'json',
    file,
  ])
  const json = JSON.parse(stdout) as {
    streams: Record<string, string | number>[]
    format: { duration: string }
  }
  const video = json.streams.find((s) => s.codec_type === 'video') as Record<
    string,
    string | number
  >
  const audio = json.streams.find((s) => s.codec_type === 'audio')
  const [num, den] = String(video['r_frame_rate']).split('/').map(Number)
  return {
    codec: String(video['codec_name']),
    pixFmt: String(video['pix_fmt']),
    width: Number(video['width']),
    height: Number(video['height']),
    fps: (num as number) / (den as number),
    frames: Number(video['nb_read_frames']),
    streamDuration: Number(video['duration']),
    formatDuration: Number(json.format.duration),
    audioCodec: audio ? String(audio['codec_name']) : null,
  }
}

/** Frame `index` (0-based) of a video decoded to RGB with the test ffmpeg (test/helpers/tools.ts). */
export async function extractFrame(
  file: string,
  index: number,
  width: number,
  height: number,
): Promise<RgbImage> {
  const { stdout } = await run(
    testFfmpeg().path,
    [
      '-v',
      'error',
      '-i',
      file,
      '-vf',
      `select=eq(n\\,${index})`,
      '-vframes',
      '1',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  )
  return { width, height, data: new Uint8Array(stdout) }
}

/**
 * Mean and largest absolute channel difference of two rasters of the same size, over the
 * pixels for which `include(x, y)` is true.
 */
export function compare(
  a: RgbImage,
  b: RgbImage,
  include: (x: number, y: number) => boolean = () => true,
): { mean: number; max: number; pixels: number } {
  let sum = 0
  let max = 0
  let pixels = 0
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (!include(x, y)) continue
      pixels++
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c
        const d = Math.abs((a.data[i] as number) - (b.data[i] as number))
        sum += d
        max = Math.max(max, d)
      }
    }
  }
  return { mean: sum / (pixels * 3), max, pixels }
}

/** Makes a sine-tone WAV of `seconds` with the test ffmpeg's `sine` source. */
export async function makeMusic(file: string, seconds: number): Promise<void> {
  await run(testFfmpeg().path, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${seconds}`,
    file,
  ])
}
