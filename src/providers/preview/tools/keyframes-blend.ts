import { PNG } from 'pngjs'
import type { RgbImage } from '../../../media/raster/rgb-image.js'

/**
 * Image-to-image for the preview keyframe renderer, in pure JavaScript (the preview server
 * bundles without native code): the product reference photos are pasted into the procedural
 * picture, and a last frame is blended with its first frame, so that the references visibly
 * change the output as they would with a real image-to-image model.
 */

/** An 8-bit RGBA raster, row-major. */
export interface RgbaImage {
  width: number
  height: number
  data: Uint8Array
}

/** How strongly a last frame shows its first frame (0–1). */
export const FIRST_FRAME_OPACITY = 0.45
/** Height of the product strip as a share of the shorter image side. */
export const PRODUCT_STRIP_SHARE = 0.36
/** Opacity of the pasted product photos (0–1). */
export const PRODUCT_OPACITY = 0.92

/** Where a product photo was pasted, px. */
export interface PastedBox {
  x: number
  y: number
  width: number
  height: number
}

/**
 * Decodes a `data:image/png;base64,…` URL.
 *
 * @throws Error naming the problem: not a data URL (the preview server does not download), not
 *   PNG, or undecodable
 */
export function decodePngDataUrl(url: string): RgbaImage {
  const match = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url)
  if (!match) {
    throw new Error(
      `the preview server works offline and does not download ${url.slice(0, 40)}…; send PNG data: URLs`,
    )
  }
  if ((match[1] ?? '').toLowerCase() !== 'image/png' || !/;base64/i.test(match[2] ?? '')) {
    throw new Error(
      `the preview renderer accepts base64 PNG data: URLs only, got ${match[1] || 'no type'}`,
    )
  }
  let png: PNG
  try {
    png = PNG.sync.read(Buffer.from(match[3] ?? '', 'base64'))
  } catch (error) {
    throw new Error(`a reference image is not a readable PNG (${(error as Error).message})`)
  }
  return { width: png.width, height: png.height, data: png.data }
}

/** Mixes `source`, resampled to the target's size, into `target` with `opacity` (alpha respected). */
export function blendFullFrame(target: RgbImage, source: RgbaImage, opacity: number): void {
  if (source.width === target.width && source.height === target.height) {
    // Same size (the usual case: a first frame of the same keyframe size): no resampling.
    const t = target.data
    const d = source.data
    for (let p = 0, q = 0; p < t.length; p += 3, q += 4) {
      const a = opacity * ((d[q + 3] ?? 255) / 255)
      for (let c = 0; c < 3; c++)
        t[p + c] = Math.round((t[p + c] ?? 0) * (1 - a) + (d[q + c] ?? 0) * a)
    }
    return
  }
  const px = new Float32Array(4)
  const sx = source.width / target.width
  const sy = source.height / target.height
  for (let y = 0; y < target.height; y++) {
    for (let x = 0; x < target.width; x++) {
      sample(source, (x + 0.5) * sx - 0.5, (y + 0.5) * sy - 0.5, px)
      mix(target, x, y, px, opacity)
    }
  }
}

/**
 * Pastes the product photos in a row along the bottom of `target`, each fitted (aspect kept)
 * into an equal slot of a strip {@link PRODUCT_STRIP_SHARE} of the shorter side high, with a
 * thin light frame.
 *
 * @returns where each photo went
 */
export function pasteReferences(target: RgbImage, references: readonly RgbaImage[]): PastedBox[] {
  if (references.length === 0) return []
  const short = Math.min(target.width, target.height)
  const stripHeight = Math.max(8, Math.round(short * PRODUCT_STRIP_SHARE))
  const margin = Math.max(2, Math.round(short * 0.04))
  const gap = Math.max(2, Math.round(short * 0.015))
  const usable = target.width - 2 * margin
  const slot = Math.max(
    8,
    Math.min(
      Math.round(stripHeight * 1.2),
      Math.floor((usable - gap * (references.length - 1)) / references.length),
    ),
  )
  const total = slot * references.length + gap * (references.length - 1)
  let x0 = Math.round((target.width - total) / 2)
  const boxes: PastedBox[] = []
  const px = new Float32Array(4)
  for (const ref of references) {
    const scale = Math.min(slot / ref.width, stripHeight / ref.height)
    const width = Math.max(1, Math.round(ref.width * scale))
    const height = Math.max(1, Math.round(ref.height * scale))
    const x = x0 + Math.round((slot - width) / 2)
    const y = target.height - margin - height
    frame(target, x - 2, y - 2, width + 4, height + 4)
    for (let j = 0; j < height; j++) {
      for (let i = 0; i < width; i++) {
        sample(
          ref,
          ((i + 0.5) * ref.width) / width - 0.5,
          ((j + 0.5) * ref.height) / height - 0.5,
          px,
        )
        mix(target, x + i, y + j, px, PRODUCT_OPACITY)
      }
    }
    boxes.push({ x, y, width, height })
    x0 += slot + gap
  }
  return boxes
}

/** Bilinear sample of `image` at (x, y) in pixel centres, edges clamped, into `out` (RGBA 0–255). */
function sample(image: RgbaImage, x: number, y: number, out: Float32Array): void {
  const cx = Math.min(image.width - 1, Math.max(0, x))
  const cy = Math.min(image.height - 1, Math.max(0, y))
  const x0 = Math.floor(cx)
  const y0 = Math.floor(cy)
  const x1 = Math.min(image.width - 1, x0 + 1)
  const y1 = Math.min(image.height - 1, y0 + 1)
  const fx = cx - x0
  const fy = cy - y0
  const d = image.data
  for (let c = 0; c < 4; c++) {
    const a =
      (d[(y0 * image.width + x0) * 4 + c] ?? 0) * (1 - fx) +
      (d[(y0 * image.width + x1) * 4 + c] ?? 0) * fx
    const b =
      (d[(y1 * image.width + x0) * 4 + c] ?? 0) * (1 - fx) +
      (d[(y1 * image.width + x1) * 4 + c] ?? 0) * fx
    out[c] = a * (1 - fy) + b * fy
  }
}

function mix(target: RgbImage, x: number, y: number, rgba: Float32Array, opacity: number): void {
  if (x < 0 || y < 0 || x >= target.width || y >= target.height) return
  const a = opacity * ((rgba[3] ?? 255) / 255)
  const i = (y * target.width + x) * 3
  for (let c = 0; c < 3; c++) {
    const v = (target.data[i + c] ?? 0) * (1 - a) + (rgba[c] ?? 0) * a
    target.data[i + c] = Math.max(0, Math.min(255, Math.round(v)))
  }
}

function frame(target: RgbImage, x: number, y: number, width: number, height: number): void {
  const light = new Float32Array([236, 236, 236, 255])
  for (let i = 0; i < width; i++) {
    for (const row of [y, y + 1, y + height - 2, y + height - 1])
      mix(target, x + i, row, light, 0.85)
  }
  for (let j = 0; j < height; j++) {
    for (const col of [x, x + 1, x + width - 2, x + width - 1]) mix(target, col, y + j, light, 0.85)
  }
}
