import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { downloadMedia } from '../../media/download.js'
import { loadSharp } from '../../media/sharp.js'

/**
 * Product reference images of the keyframes stage (the image-guided pipeline's product
 * images: 1–10 JPEG, PNG or WebP images of at most 10 MB each, a warning under three).
 * Every problem is found before any model is called and reported at once with KF_001.
 */

/** Most product images accepted. */
export const MAX_PRODUCT_IMAGES = 10
/** Fewer images than this give a warning: the models see too little of the product. */
export const RECOMMENDED_PRODUCT_IMAGES = 3
/** Largest accepted product image, bytes (10 MB = 10 × 2^20). */
export const MAX_PRODUCT_IMAGE_BYTES = 10 * 1024 * 1024
/** Accepted formats, as sharp names them. */
export const PRODUCT_IMAGE_FORMATS = ['jpeg', 'png', 'webp'] as const
/** Longest side of the PNG reference copies sent to hosted models and ComfyUI, px. */
export const REFERENCE_LONG_SIDE = 1024
/** Longest side of the PNG copies sent to the offline preview renderer, px. */
export const PREVIEW_REFERENCE_LONG_SIDE = 384

/** One validated product image. */
export interface ProductImage {
  /** 1-based position in the input list. */
  index: number
  /** The path or URL as given. */
  source: string
  kind: 'file' | 'url'
  /** The http(s) URL as given (hosted models may fetch it themselves), or null for files. */
  url: string | null
  format: (typeof PRODUCT_IMAGE_FORMATS)[number]
  /** Size of the original file, bytes. */
  bytes: number
  /** Pixels, after EXIF orientation. */
  width: number
  height: number
  /** SHA-256 of the original bytes (hex): part of every cache key that uses the image. */
  sha256: string
  /** PNG copy, longest side at most {@link REFERENCE_LONG_SIDE}. */
  reference: Buffer
  /** PNG copy, longest side at most {@link PREVIEW_REFERENCE_LONG_SIDE}. */
  previewReference: Buffer
}

/** A warning for the report (`KF_001` when fewer than three images were given). */
export interface ProductImageWarning {
  code: 'KF_001'
  message: string
}

/**
 * Splits the `product-images` input: on newlines when the text has any (so a URL may hold a
 * comma), otherwise on commas; blank entries are dropped.
 *
 * @throws KamuiError KF_001 when the list is empty or holds more than {@link MAX_PRODUCT_IMAGES}
 */
export function parseProductImageList(text: string): string[] {
  const parts = (/[\r\n]/.test(text) ? text.split(/\r?\n/) : text.split(','))
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (parts.length === 0) {
    throw new KamuiError(
      'KF_001',
      `product-images is empty: give 1–${MAX_PRODUCT_IMAGES} product photos (workspace paths or http(s) URLs).`,
    )
  }
  if (parts.length > MAX_PRODUCT_IMAGES) {
    throw new KamuiError(
      'KF_001',
      `${parts.length} product images were given; at most ${MAX_PRODUCT_IMAGES} are accepted.`,
    )
  }
  return parts
}

/** Options of {@link loadProductImages}. */
export interface LoadProductImagesOptions {
  workspace: string
  signal?: AbortSignal
  /** `fetch` for URLs (tests). */
  fetch?: typeof fetch
  /** First backoff delay of URL downloads, ms (default 250). */
  minRetryDelayMs?: number
}

/**
 * Reads, checks and normalises every product image, in parallel.
 *
 * Files are resolved in the workspace and their size is checked before they are read; URLs
 * (http and https only) are downloaded with the size cap; then the bytes must be JPEG, PNG or
 * WebP (by signature, then decoded in full with sharp). Each image gets two PNG copies for the
 * models (see {@link ProductImage}).
 *
 * @returns the images in input order, and a KF_001 warning when there are fewer than three
 * @throws KamuiError KF_001 naming every image that failed and why (missing file, outside the
 *   workspace, over 10 MB, a GIF or other format, not an image, a URL that cannot be
 *   downloaded); the signal's reason when aborted
 */
export async function loadProductImages(
  sources: readonly string[],
  options: LoadProductImagesOptions,
): Promise<{ images: ProductImage[]; warnings: ProductImageWarning[] }> {
  if (sources.length === 0 || sources.length > MAX_PRODUCT_IMAGES)
    parseProductImageList(sources.join('\n'))
  const settled = await Promise.allSettled(
    sources.map((source, i) => loadOne(source, i + 1, options)),
  )
  if (options.signal?.aborted) throw options.signal.reason
  const problems = settled.flatMap((s, i) =>
    s.status === 'rejected'
      ? [`image ${i + 1} (${shown(sources[i] ?? '')}): ${problemText(s.reason)}`]
      : [],
  )
  if (problems.length > 0) {
    throw new KamuiError('KF_001', `invalid product images: ${problems.join('; ')}.`)
  }
  const images = settled.map((s) => (s as PromiseFulfilledResult<ProductImage>).value)
  const warnings: ProductImageWarning[] =
    images.length < RECOMMENDED_PRODUCT_IMAGES
      ? [
          {
            code: 'KF_001',
            message:
              `only ${images.length} product image${images.length === 1 ? '' : 's'} given; ` +
              `${RECOMMENDED_PRODUCT_IMAGES} or more (different angles) keep the product more consistent across frames.`,
          },
        ]
      : []
  return { images, warnings }
}

/** A problem with one image: its message without a code prefix. */
class ImageProblem extends Error {}

async function loadOne(
  source: string,
  index: number,
  options: LoadProductImagesOptions,
): Promise<ProductImage> {
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source)
  let bytes: Uint8Array
  if (isUrl) {
    const protocol = source.slice(0, source.indexOf(':')).toLowerCase()
    if (protocol !== 'http' && protocol !== 'https') {
      throw new ImageProblem(`${protocol}: URLs are not accepted; use http(s) or a workspace path`)
    }
    try {
      bytes = (
        await downloadMedia(source, {
          maxBytes: MAX_PRODUCT_IMAGE_BYTES,
          accept: 'image',
          minRetryDelayMs: options.minRetryDelayMs ?? 250,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        })
      ).bytes
    } catch (error) {
      if (options.signal?.aborted) throw error
      const detail = isKamuiError(error) ? error.detail : errorMessage(error)
      throw new ImageProblem(
        /limit of \d+ bytes/.test(detail)
          ? `is larger than 10 MB (${MAX_PRODUCT_IMAGE_BYTES} bytes), the limit per image`
          : `cannot be downloaded: ${detail.replace(/\.$/, '')}`,
      )
    }
  } else {
    bytes = await readLocal(source, options.workspace)
  }
  const format = sniffFormat(bytes)
  if (format === 'gif') {
    throw new ImageProblem('is a GIF; only JPEG, PNG and WebP are accepted')
  }
  if (format === undefined) {
    throw new ImageProblem(`is ${await describeOther(bytes)}; only JPEG, PNG and WebP are accepted`)
  }
  const sharp = await loadSharp()
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let reference: { data: Buffer; info: { width: number; height: number } }
  let previewReference: Buffer
  let width: number
  let height: number
  try {
    const meta = await sharp(input, { failOn: 'error' })
      .rotate()
      .toBuffer({ resolveWithObject: true })
    width = meta.info.width
    height = meta.info.height
    reference = await fit(sharp, meta.data, REFERENCE_LONG_SIDE)
    previewReference = (await fit(sharp, meta.data, PREVIEW_REFERENCE_LONG_SIDE)).data
  } catch (error) {
    throw new ImageProblem(
      `is a ${format.toUpperCase()} file that cannot be decoded (truncated or corrupt: ${errorMessage(error)})`,
    )
  }
  return {
    index,
    source,
    kind: isUrl ? 'url' : 'file',
    url: isUrl ? source : null,
    format,
    bytes: bytes.byteLength,
    width,
    height,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    reference: reference.data,
    previewReference,
  }
}

async function fit(
  sharp: Awaited<ReturnType<typeof loadSharp>>,
  decoded: Buffer,
  longSide: number,
): Promise<{ data: Buffer; info: { width: number; height: number } }> {
  return sharp(decoded)
    .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
    .png()
    .toBuffer({ resolveWithObject: true })
}

async function readLocal(source: string, workspace: string): Promise<Uint8Array> {
  let file: string
  try {
    file = resolveInWorkspace(workspace, source, 'product-images')
  } catch (error) {
    throw new ImageProblem(
      isKamuiError(error, 'FS_001') ? 'lies outside the workspace' : errorMessage(error),
    )
  }
  let size: number
  try {
    const info = await stat(file)
    if (!info.isFile()) throw new ImageProblem('is not a file')
    size = info.size
  } catch (error) {
    if (error instanceof ImageProblem) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw new ImageProblem(
      code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`,
    )
  }
  if (size > MAX_PRODUCT_IMAGE_BYTES) {
    throw new ImageProblem(
      `is ${(size / 1024 / 1024).toFixed(1)} MB (${size} bytes), above the limit of 10 MB (${MAX_PRODUCT_IMAGE_BYTES} bytes)`,
    )
  }
  if (size === 0) throw new ImageProblem('is empty (0 bytes)')
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(size)
    const { bytesRead } = await handle.read(buffer, 0, size, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}

/** The format by file signature: `jpeg`, `png`, `webp`, `gif`, or undefined. */
export function sniffFormat(
  bytes: Uint8Array,
): (typeof PRODUCT_IMAGE_FORMATS)[number] | 'gif' | undefined {
  const ascii = (start: number, end: number): string =>
    Buffer.from(bytes.subarray(start, end)).toString('latin1')
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg'
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return 'png'
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp'
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif'
  return undefined
}

async function describeOther(bytes: Uint8Array): Promise<string> {
  try {
    const sharp = await loadSharp()
    const meta = await sharp(Buffer.from(bytes)).metadata()
    if (meta.format) return `a ${meta.format.toUpperCase()} image`
  } catch {
    // not an image sharp knows
  }
  const head = Buffer.from(bytes.subarray(0, 32)).toString('latin1').trimStart().toLowerCase()
  if (head.startsWith('<!doctype html') || head.startsWith('<html'))
    return 'an HTML page, not an image'
  return 'not an image'
}

function problemText(reason: unknown): string {
  if (reason instanceof ImageProblem) return reason.message
  return errorMessage(reason)
}

/** A path as given, or a URL without its query string (signed URLs carry tokens there). */
function shown(source: string): string {
  try {
    const url = new URL(source)
    if (url.protocol === 'http:' || url.protocol === 'https:') return `${url.origin}${url.pathname}`
  } catch {
    // a path
  }
  return source
}

/** A PNG as a `data:image/png;base64,…` URL. */
export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`
}
