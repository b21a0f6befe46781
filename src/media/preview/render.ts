import { stampPreviewLabel } from './label.js'
import { paletteFromDigest } from './palette.js'
import { encodeRgbPng } from './png.js'
import { hash2, Prng, sha256Bytes } from './random.js'
import { createRgbImage, type RgbImage } from '../raster/rgb-image.js'
import { buildScene, shadePixel, type Scene } from './scene.js'

/** Largest width or height a preview can be rendered at, in pixels. */
export const MAX_PREVIEW_SIDE = 8192

/** What to render. The same values always give byte-identical output. */
export interface PreviewImageRequest {
  /** The image prompt; its SHA-256 picks the palette and gradient. Any non-empty text. */
  prompt: string
  /** Composition seed (any integer): moves, resizes and recolours the shapes. */
  seed: number
  /** Width in pixels, 1–{@link MAX_PREVIEW_SIDE}. */
  width: number
  /** Height in pixels, 1–{@link MAX_PREVIEW_SIDE}. */
  height: number
  /**
   * The model alias this preview stands in for (e.g. `imagen4-fast`), printed under the label
   * and mixed into the composition, so stand-ins for different models look different.
   */
  standInFor?: string | null
}

/** A rendered preview. */
export interface PreviewImage {
  /** PNG file bytes (RGB, 8 bit). */
  png: Buffer
  /** Width in pixels. */
  width: number
  /** Height in pixels. */
  height: number
}

/** Target mean brightness (0–1) of a preview picture before the label: a normal exposure. */
const TARGET_MEAN = 0.47
/** Output range the picture is mapped into (0–1), so nothing clips even with grain. */
const OUT_LOW = 0.05
const OUT_HIGH = 0.93
/** Grain amplitude in 8-bit levels (±). */
const GRAIN = 4.5
const LUT_SIZE = 4096

/**
 * Renders a deterministic, prompt-seeded preview picture on the CPU and encodes it as PNG.
 *
 * The palette and gradient direction come from `sha256(prompt)`; the composition (glows,
 * discs, layered bands, bokeh) from `sha256(prompt, seed, standInFor)`. The picture is
 * auto-exposed (mean brightness near 0.47, nothing clipped), carries fine value-noise texture
 * and per-pixel grain, and is stamped with a `PREVIEW` label in the top-left corner.
 * Pure computation, no I/O: about 0.3 s for 1024×1024 including the PNG encode.
 *
 * @throws RangeError when `width` or `height` is not an integer in 1–{@link MAX_PREVIEW_SIDE},
 *   or `seed` is not a finite integer
 */
export function renderPreviewImage(request: PreviewImageRequest): PreviewImage {
  const image = renderPreviewRgb(request)
  return { png: encodeRgbPng(image), width: image.width, height: image.height }
}

/** Like {@link renderPreviewImage}, but returns the raw RGB raster instead of a PNG. */
export function renderPreviewRgb(request: PreviewImageRequest): RgbImage {
  const { prompt, seed, width, height } = request
  checkSide('width', width)
  checkSide('height', height)
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`)
  const standInFor = request.standInFor?.trim() || null

  const palette = paletteFromDigest(sha256Bytes(prompt))
  const rng = new Prng(sha256Bytes(`${prompt}\u0000${seed}\u0000${standInFor ?? ''}`))
  const scene = buildScene(palette, rng, width, height)
  const { lo, scale, lut } = exposure(scene)

  const image = createRgbImage(width, height)
  const data = image.data
  const px = new Float32Array(3)
  const grainSalt = scene.salt ^ 0x5bd1e995
  let i = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      shadePixel(scene, x + 0.5, y + 0.5, px)
      const n = ((hash2(x, y, grainSalt) & 0xffff) / 32767.5 - 1) * GRAIN
      for (let c = 0; c < 3; c++) {
        const t = ((px[c] ?? 0) - lo) * scale
        const idx = t <= 0 ? 0 : t >= 1 ? LUT_SIZE - 1 : (t * (LUT_SIZE - 1)) | 0
        const v = (lut[idx] ?? 0) + n
        data[i++] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)
      }
    }
  }
  stampPreviewLabel(image, standInFor)
  return image
}

function checkSide(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_PREVIEW_SIDE) {
    throw new RangeError(
      `${name} must be an integer from 1 to ${MAX_PREVIEW_SIDE} pixels, got ${value}`,
    )
  }
}

/**
 * Auto-exposure from a coarse sample of the scene: a linear map of the 0.5–99.5 percentile
 * channel range onto [OUT_LOW, OUT_HIGH] and a gamma that brings the mean brightness to
 * TARGET_MEAN, folded into a lookup table of 8-bit values (floats, before grain).
 */
function exposure(scene: Scene): { lo: number; scale: number; lut: Float32Array } {
  const grid = 48
  const px = new Float32Array(3)
  const channels: number[] = []
  const lumas: number[] = []
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      shadePixel(scene, ((i + 0.5) * scene.width) / grid, ((j + 0.5) * scene.height) / grid, px)
      const r = px[0] ?? 0
      const g = px[1] ?? 0
      const b = px[2] ?? 0
      channels.push(r, g, b)
      lumas.push(0.2126 * r + 0.7152 * g + 0.0722 * b)
    }
  }
  channels.sort((a, b) => a - b)
  const lo = channels[Math.floor(channels.length * 0.005)] ?? 0
  const hi = channels[Math.ceil(channels.length * 0.995) - 1] ?? 1
  const scale = 1 / Math.max(1e-3, hi - lo)
  const normalised = lumas.map((l) => Math.min(1, Math.max(0, (l - lo) * scale)))

  // Bisection on the gamma so that the mean output brightness hits the target.
  const meanFor = (gamma: number): number =>
    normalised.reduce((sum, v) => sum + OUT_LOW + (OUT_HIGH - OUT_LOW) * v ** gamma, 0) /
    normalised.length
  let low = 0.4
  let high = 2.5
  for (let k = 0; k < 24; k++) {
    const mid = (low + high) / 2
    if (meanFor(mid) > TARGET_MEAN) low = mid
    else high = mid
  }
  const gamma = (low + high) / 2

  const lut = new Float32Array(LUT_SIZE)
  for (let k = 0; k < LUT_SIZE; k++) {
    lut[k] = 255 * (OUT_LOW + (OUT_HIGH - OUT_LOW) * (k / (LUT_SIZE - 1)) ** gamma)
  }
  return { lo, scale, lut }
}
