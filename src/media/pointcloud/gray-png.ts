import { PNG, type PNGWithMetadata } from 'pngjs'
import { KamuiError } from '../../core/errors.js'
import { MAX_U16, type DepthMap } from './depth-map.js'
import { luma709 } from './luma.js'

/**
 * Encodes a depth map as a 16-bit greyscale PNG (colour type 0): sample = round(v · 65535),
 * white = nearest. Pure JavaScript (pngjs), usable inside the preview server.
 */
export function encodeGray16Png(depth: DepthMap): Buffer {
  const png = new PNG({
    width: depth.width,
    height: depth.height,
    bitDepth: 16,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  })
  let samples = depth.samples16
  if (!samples) {
    samples = new Uint16Array(depth.values.length)
    for (let i = 0; i < samples.length; i++) {
      samples[i] = Math.round(Math.min(1, Math.max(0, depth.values[i] as number)) * MAX_U16)
    }
  }
  png.data = samples as unknown as Buffer
  return PNG.sync.write(png, {
    bitDepth: 16,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  })
}

/**
 * Reads a PNG depth image into a {@link DepthMap}: 16-bit PNGs at full precision (v / 65535),
 * others as 8-bit (v / 255). Grey images use their grey value; colour images their Rec. 709
 * luma (a colour-mapped depth image cannot be inverted and should not be given here). Brighter
 * means nearer.
 *
 * @throws KamuiError PC_002 when the bytes are not a readable PNG
 */
export function decodeDepthPng(bytes: Uint8Array, what: string): DepthMap & { bitDepth: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let png: PNGWithMetadata
  try {
    png = PNG.sync.read(buffer, { skipRescale: true })
    if (png.depth !== 16) png = PNG.sync.read(buffer)
  } catch (error) {
    throw new KamuiError('PC_002', `${what} is not a readable PNG (${(error as Error).message}).`, {
      cause: error,
    })
  }
  const bitDepth = png.depth === 16 ? 16 : 8
  const max = bitDepth === 16 ? MAX_U16 : 255
  const grey = png.colorType === 0 || png.colorType === 4
  const data = png.data as unknown as ArrayLike<number>
  const values = new Float32Array(png.width * png.height)
  for (let i = 0, p = 0; i < values.length; i++, p += 4) {
    const r = data[p] as number
    values[i] = grey
      ? r / max
      : luma709(
          (r / max) * 255,
          ((data[p + 1] as number) / max) * 255,
          ((data[p + 2] as number) / max) * 255,
        )
  }
  return { width: png.width, height: png.height, values, bitDepth }
}
