import { KamuiError } from '../core/errors.js'
import { loadSharp } from './sharp.js'

/**
 * Normalising a model's image to PNG: the legacy interface and the reports expect `.png` files
 * (SPEC §4), while models send JPEG, WebP or PNG.
 */

/**
 * The absolute pixel limit of any decoded image: 40 megapixels (an 8K frame is 33 MP). A PNG
 * of 16000×16000 is 0.7 MB on disk and over 1 GB once decoded; it is refused from its header.
 */
export const ABSOLUTE_MAX_PIXELS = 40_000_000

/** Used when no `maxPixels` is given: {@link ABSOLUTE_MAX_PIXELS}. */
export const DEFAULT_MAX_PIXELS = ABSOLUTE_MAX_PIXELS

/** How many times the requested pixels a model's image may have (upscalers return 2×2). */
export const REQUEST_PIXEL_FACTOR = 4

/**
 * The cap never goes below this (8 MiP, a "2K" image of any aspect ratio such as 2816×1536):
 * hosted models take an aspect ratio rather than a size and answer at their native resolution,
 * so a small request (128×128) must still accept their 1024×1024 or 2K images.
 */
export const MIN_PIXEL_CAP = 8 * 1024 * 1024

/**
 * The pixel limit of an image made for a request of `width`×`height`:
 * {@link REQUEST_PIXEL_FACTOR} times the requested pixels, at least {@link MIN_PIXEL_CAP} and
 * never more than {@link ABSOLUTE_MAX_PIXELS}. Without a valid request size, the absolute limit.
 */
export function pixelCapFor(width: number | undefined, height: number | undefined): number {
  if (!width || !height || !Number.isFinite(width * height) || width * height <= 0)
    return ABSOLUTE_MAX_PIXELS
  const tied = Math.max(MIN_PIXEL_CAP, Math.ceil(width * height * REQUEST_PIXEL_FACTOR))
  return Math.min(ABSOLUTE_MAX_PIXELS, tied)
}

/** Options of {@link toPng}. */
export interface ToPngOptions {
  /**
   * Largest accepted width × height, in pixels (default {@link DEFAULT_MAX_PIXELS}; see
   * {@link pixelCapFor} for a request). Values above {@link ABSOLUTE_MAX_PIXELS} are lowered
   * to it.
   */
  maxPixels?: number
}

/** A decoded, verified PNG. */
export interface PngResult {
  /** The PNG file's bytes. */
  png: Buffer
  /** In pixels, after EXIF orientation was applied. */
  width: number
  height: number
  /** The format the model sent, as sharp names it (`png`, `jpeg`, `webp`, `gif`, `heif`, …). */
  format: string
}

/**
 * Decodes `bytes` with sharp and returns them as a PNG. A PNG is decoded in full to verify it
 * and then passed through unchanged; anything else sharp reads (JPEG, WebP, GIF's first frame,
 * AVIF, TIFF, …) is converted, with EXIF orientation applied.
 *
 * The size is read from the header (sharp's `metadata()`, which decodes no pixels) and checked
 * against `maxPixels` before anything is decoded; the decode itself runs with sharp's
 * `limitInputPixels` set to the same limit.
 *
 * @throws KamuiError GEN_002 "the model returned N bytes that are not an image (…)" when sharp
 *   cannot decode them (the parenthesis says what they look like: HTML, JSON, text, a video, or
 *   the first bytes in hex), or when the image is larger than `maxPixels`
 */
export async function toPng(bytes: Uint8Array, options: ToPngOptions = {}): Promise<PngResult> {
  const maxPixels = Math.min(options.maxPixels ?? DEFAULT_MAX_PIXELS, ABSOLUTE_MAX_PIXELS)
  const sharp = await loadSharp()
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const notImage = (cause: unknown): KamuiError =>
    new KamuiError(
      'GEN_002',
      `the model returned ${bytes.length} bytes that are not an image (${sniff(bytes)}).`,
      {
        cause,
      },
    )

  let metadata: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>
  try {
    metadata = await sharp(input, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw notImage(error)
  }
  const { format, width, height } = metadata
  if (!format || !width || !height) throw notImage(undefined)
  if (width * height > maxPixels) {
    throw new KamuiError(
      'GEN_002',
      `the model returned a ${width}×${height} image, above the limit of ${maxPixels} pixels ` +
        `(${REQUEST_PIXEL_FACTOR}× the requested size, at least ${MIN_PIXEL_CAP} and at most ` +
        `${ABSOLUTE_MAX_PIXELS}); it was refused from its header without decoding.`,
      { retryable: false },
    )
  }

  try {
    if (format === 'png') {
      await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' }).raw().toBuffer()
      return { png: input, width, height, format }
    }
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'error' })
      .rotate()
      .png()
      .toBuffer({ resolveWithObject: true })
    return { png: data, width: info.width, height: info.height, format }
  } catch (error) {
    throw new KamuiError(
      'GEN_002',
      `the model returned ${bytes.length} bytes of ${format} that cannot be decoded (truncated or corrupt).`,
      { cause: error },
    )
  }
}

/** What non-image bytes look like, for the error message. */
function sniff(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty'
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart().toLowerCase()
  if (head.startsWith('<!doctype html') || head.startsWith('<html'))
    return 'looks like an HTML page'
  if (head.startsWith('<?xml') || head.startsWith('<svg')) return 'looks like XML or SVG'
  if (head.startsWith('{') || head.startsWith('[')) return 'looks like JSON'
  if (Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'ftyp')
    return 'looks like an MP4 / MOV video'
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3)
    return 'looks like a WebM video'
  const sample = bytes.subarray(0, 256)
  const printable = sample.filter(
    (b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127),
  ).length
  if (printable / sample.length > 0.95) return 'looks like text'
  const hex = Buffer.from(bytes.subarray(0, 8))
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ')
  return `unknown format, first bytes ${hex}`
}
