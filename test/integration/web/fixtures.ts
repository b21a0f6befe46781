import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { testFfmpeg } from '../../helpers/tools.js'

const run = promisify(execFile)

/** ffmpeg for making fixtures: the system's, else the @ffmpeg-installer binary (test/helpers/tools.ts). */
export function ffmpegPath(): string {
  return testFfmpeg().path
}

/** Writes a 1-second H.264 MP4 (yuv420p, faststart) of ffmpeg's test pattern. */
export async function writeTestMp4(file: string, size = '96x64'): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await run(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${size}:rate=10`,
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    file,
  ])
}

/** Writes a 1-second 440 Hz WAV. */
export async function writeTestWav(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true })
  await run(ffmpegPath(), [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=1',
    file,
  ])
}

/**
 * Writes a binary little-endian PLY (float x y z, uchar red green blue): a `cols`×`rows` grid in
 * x/y with a sine relief in z, coloured from red (left) to blue (right) with green rising
 * upwards, like a depth-map cloud.
 *
 * @returns the number of points
 */
export async function writeTestPly(file: string, cols = 80, rows = 60): Promise<number> {
  const count = cols * rows
  const header = [
    'ply',
    'format binary_little_endian 1.0',
    'comment kamui test fixture',
    `element vertex ${count}`,
    'property float x',
    'property float y',
    'property float z',
    'property uchar red',
    'property uchar green',
    'property uchar blue',
    'end_header',
    '',
  ].join('\n')
  const body = Buffer.alloc(count * 15)
  let offset = 0
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      body.writeFloatLE(c - cols / 2, offset)
      body.writeFloatLE(rows / 2 - r, offset + 4)
      body.writeFloatLE(6 * Math.sin(c / 6) * Math.cos(r / 5), offset + 8)
      body.writeUInt8(Math.round(255 * (1 - c / (cols - 1))), offset + 12)
      body.writeUInt8(Math.round(255 * (1 - r / (rows - 1))), offset + 13)
      body.writeUInt8(Math.round(255 * (c / (cols - 1))), offset + 14)
      offset += 15
    }
  }
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, Buffer.concat([Buffer.from(header, 'latin1'), body]))
  return count
}

/**
 * Counts the pixels of a PNG screenshot that differ from `background` (`#rrggbb`) by more than
 * `tolerance` in any channel.
 */
export async function pixelsUnlike(
  png: Buffer,
  background: string,
  tolerance = 40,
): Promise<{ differing: number; total: number }> {
  const sharp = (await import('sharp')).default
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const bg = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16))
  let differing = 0
  for (let i = 0; i < data.length; i += info.channels) {
    if (bg.some((v, ch) => Math.abs((data[i + ch] as number) - (v as number)) > tolerance))
      differing++
  }
  return { differing, total: info.width * info.height }
}
