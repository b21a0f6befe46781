import { KamuiError, errorMessage } from '../core/errors.js'
import { loadSharp } from '../media/sharp.js'

/**
 * Decoding an image once for the technical metrics (SPEC §5 "Quality"): sharp (libvips) turns
 * the file into raw 8-bit sRGB; the luma plane and its histogram are computed here, and the
 * metrics in `metrics/` are pure functions over these arrays.
 */

/** Longest side of the luma plane that the scale-dependent metrics (sharpness) are measured on. */
export const ANALYSIS_MAX_SIDE = 1024

/** A luma plane: one byte per pixel, row by row. */
export interface LumaPlane {
  width: number
  height: number
  /** Y' = 0.299 R' + 0.587 G' + 0.114 B' (ITU-R BT.601, as in JPEG/JFIF), rounded, 0–255. */
  luma: Uint8Array
}

/** The decoded pixels of an image at its own resolution. */
export interface Pixels extends LumaPlane {
  /** 8-bit sRGB, interleaved R G B (alpha flattened onto black). */
  rgb: Uint8Array
}

/** What {@link decodePixels} returns. */
export interface DecodedImage {
  /** The pixels at the image's own resolution. */
  full: Pixels
  /**
   * The luma plane downscaled (Lanczos-3, aspect kept) so that its longest side is at most
   * {@link ANALYSIS_MAX_SIDE}; the full plane itself when the image is not larger than that.
   */
  analysis: LumaPlane
  /** 256-bin histogram of the full-resolution luma. */
  histogram: Uint32Array
}

/**
 * Decodes an image (PNG, or anything sharp reads) into 8-bit sRGB and its BT.601 luma plane.
 * 16-bit images are reduced to 8 bits, greyscale images expanded to RGB, alpha flattened onto
 * black (a fully transparent render then reads as black, i.e. blank).
 *
 * @throws KamuiError GEN_002 when the bytes cannot be decoded as an image
 */
export async function decodePixels(image: Uint8Array): Promise<DecodedImage> {
  const sharp = await loadSharp()
  let data: Buffer
  let width: number
  let height: number
  try {
    const out = await sharp(image)
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
    if (out.info.channels !== 3) {
      throw new Error(`expected 3 channels after conversion, got ${out.info.channels}`)
    }
    data = out.data
    width = out.info.width
    height = out.info.height
  } catch (error) {
    throw new KamuiError(
      'GEN_002',
      `The image cannot be decoded for the quality assessment: ${errorMessage(error)}`,
      { cause: error },
    )
  }
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const luma = lumaFromRgb(rgb)
  const full: Pixels = { width, height, rgb, luma }
  return { full, analysis: await analysisPlane(full), histogram: lumaHistogram(luma) }
}

/**
 * BT.601 luma of interleaved 8-bit RGB, in 16-bit fixed point:
 * `(19595 R + 38470 G + 7471 B + 32768) >> 16` (the coefficients × 65536, rounded).
 */
export function lumaFromRgb(rgb: Uint8Array): Uint8Array {
  const n = Math.floor(rgb.length / 3)
  const out = new Uint8Array(n)
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = (19595 * rgb[p]! + 38470 * rgb[p + 1]! + 7471 * rgb[p + 2]! + 32768) >>> 16
  }
  return out
}

/** Counts of each luma level 0–255. */
export function lumaHistogram(luma: Uint8Array): Uint32Array {
  const counts = new Uint32Array(256)
  for (let i = 0; i < luma.length; i++) counts[luma[i]!]!++
  return counts
}

/** Mean and standard deviation (population) of the levels of a 256-bin histogram. */
export function histogramMoments(histogram: Uint32Array): {
  count: number
  mean: number
  stdev: number
} {
  let count = 0
  let sum = 0
  for (let level = 0; level < 256; level++) {
    const c = histogram[level]!
    count += c
    sum += c * level
  }
  if (count === 0) return { count: 0, mean: 0, stdev: 0 }
  const mean = sum / count
  let squares = 0
  for (let level = 0; level < 256; level++) {
    const d = level - mean
    squares += histogram[level]! * d * d
  }
  return { count, mean, stdev: Math.sqrt(squares / count) }
}

async function analysisPlane(full: Pixels): Promise<LumaPlane> {
  const { width, height, luma } = full
  if (Math.max(width, height) <= ANALYSIS_MAX_SIDE) return { width, height, luma }
  const sharp = await loadSharp()
  const out = await sharp(luma, { raw: { width, height, channels: 1 } })
    .resize({
      width: ANALYSIS_MAX_SIDE,
      height: ANALYSIS_MAX_SIDE,
      fit: 'inside',
      kernel: 'lanczos3',
    })
    .extractChannel(0)
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
  return {
    width: out.info.width,
    height: out.info.height,
    luma: new Uint8Array(out.data.buffer, out.data.byteOffset, out.info.width * out.info.height),
  }
}
