import sharp from 'sharp'
import { renderPreviewImage } from '../../../src/media/preview/render.js'

/**
 * The calibration set of the technical quality metrics (src/quality/CALIBRATION.md), made in
 * the tests: no binary fixtures. Normal images are the project's preview renders (several
 * prompts and seeds) and a natural-looking synthetic landscape; failure modes are derived from
 * them with sharp, or are flat renders.
 */

/** One calibration image. */
export interface CalibrationImage {
  name: string
  /** `normal`: must score above the default threshold 0.7; `failure`: below it. */
  kind: 'normal' | 'failure'
  /** What the image is. */
  description: string
  png: Buffer
  requested: { width: number; height: number }
  /** Failure modes that must be flagged blank (overall exactly 0). */
  blank: boolean
  /** The flag the failure must raise. */
  flag?: string
}

const SIDE = 1024
const REQUEST = { width: SIDE, height: SIDE }

/** Preview renders used as normal, well-exposed images. */
export const PREVIEW_PROMPTS = [
  { prompt: 'a lighthouse on a rocky coast at sunset, photorealistic', seed: 1 },
  { prompt: 'portrait of an old fisherman in a wool cap', seed: 7 },
  { prompt: 'anime girl walking through a neon city at night', seed: 3 },
  { prompt: 'a bowl of fruit on a wooden table, studio light', seed: 42 },
] as const

/** A preview render (PNG) of one of {@link PREVIEW_PROMPTS}. */
export function preview(index: number, width = SIDE, height = SIDE): Buffer {
  const { prompt, seed } = PREVIEW_PROMPTS[index] ?? PREVIEW_PROMPTS[0]
  return renderPreviewImage({ prompt, seed, width, height }).png
}

/**
 * A natural-looking synthetic landscape: an SVG scene (sky gradient, sun glow, hills, a tree)
 * rendered by librsvg, with soft-light texture (Gaussian noise blurred with σ = 1.5) and
 * overlay grain (Gaussian noise, σ = 12) composited on it, like the texture and sensor noise of
 * a photograph.
 */
export async function syntheticLandscape(width = SIDE, height = SIDE): Promise<Buffer> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1024 1024" preserveAspectRatio="none">` +
    '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">' +
    '<stop offset="0" stop-color="#3a6ea5"/><stop offset="1" stop-color="#f2c7a0"/></linearGradient>' +
    '<radialGradient id="sun"><stop offset="0" stop-color="#fff6d8"/>' +
    '<stop offset="1" stop-color="#ffd27f" stop-opacity="0"/></radialGradient></defs>' +
    '<rect width="1024" height="1024" fill="url(#sky)"/>' +
    '<circle cx="700" cy="380" r="160" fill="url(#sun)"/>' +
    '<path d="M0 620 Q 200 480 420 600 T 1024 560 V1024 H0 Z" fill="#44603a"/>' +
    '<path d="M0 760 Q 300 650 600 760 T 1024 720 V1024 H0 Z" fill="#2d4326"/>' +
    '<rect x="180" y="520" width="26" height="200" fill="#3b2a1e"/>' +
    '<circle cx="193" cy="500" r="70" fill="#2f5a2a"/></svg>'
  const noise = (sigma: number, seed: number) =>
    sharp(gaussianNoise(width, height, 128, sigma, seed), { raw: { width, height, channels: 3 } })
  const texture = await noise(40, 1).blur(1.5).png().toBuffer()
  const grain = await noise(12, 2).png().toBuffer()
  return sharp(Buffer.from(svg))
    .composite([
      { input: texture, blend: 'soft-light' },
      { input: grain, blend: 'overlay' },
    ])
    .png()
    .toBuffer()
}

/** A flat image of one colour, optionally with Gaussian noise of `sigma` levels (seeded). */
export function flat(colour: { r: number; g: number; b: number }, sigma = 0): Promise<Buffer> {
  const image =
    sigma > 0
      ? sharp(gaussianNoise(SIDE, SIDE, [colour.r, colour.g, colour.b], sigma, 3), {
          raw: { width: SIDE, height: SIDE, channels: 3 },
        })
      : sharp({ create: { width: SIDE, height: SIDE, channels: 3, background: colour } })
  return image.png().toBuffer()
}

/**
 * Interleaved 8-bit RGB of Gaussian noise around `mean` (one value, or one per channel) with
 * standard deviation `sigma`, from a seeded generator (mulberry32 + Box–Muller), so that the
 * calibration images are the same on every run (sharp's own `noise` is not seeded).
 */
export function gaussianNoise(
  width: number,
  height: number,
  mean: number | readonly number[],
  sigma: number,
  seed: number,
): Buffer {
  let state = seed >>> 0
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const means = typeof mean === 'number' ? [mean, mean, mean] : mean
  const out = Buffer.alloc(width * height * 3)
  const level = (value: number): number => Math.min(255, Math.max(0, Math.round(value)))
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - random()
    const v = random()
    const r = sigma * Math.sqrt(-2 * Math.log(u))
    out[i] = level(means[i % 3]! + r * Math.cos(2 * Math.PI * v))
    if (i + 1 < out.length) out[i + 1] = level(means[(i + 1) % 3]! + r * Math.sin(2 * Math.PI * v))
  }
  return out
}

/** `png` saved as JPEG at `quality` and converted back to PNG (as the pipeline stores it). */
export async function jpegRoundTrip(png: Buffer, quality: number): Promise<Buffer> {
  const jpeg = await sharp(png).jpeg({ quality }).toBuffer()
  return sharp(jpeg).png().toBuffer()
}

/** Builds the whole calibration set (about 1.5 s). */
export async function calibrationSet(): Promise<CalibrationImage[]> {
  const previews = PREVIEW_PROMPTS.map((_, i) => preview(i))
  const landscape = await syntheticLandscape()
  const base = previews[0]!
  const normal = (name: string, description: string, png: Buffer, requested = REQUEST) => ({
    name,
    kind: 'normal' as const,
    description,
    png,
    requested,
    blank: false,
  })
  const failure = (
    name: string,
    description: string,
    png: Buffer,
    flag: string,
    requested = REQUEST,
  ): CalibrationImage => ({
    name,
    kind: 'failure',
    description,
    png,
    requested,
    blank: flag === 'blank',
    flag,
  })
  const wide = { width: 1344, height: 768 }
  return [
    ...previews.map((png, i) =>
      normal(
        `preview-${i + 1}`,
        `preview render 1024×1024 of "${PREVIEW_PROMPTS[i]!.prompt}", seed ${PREVIEW_PROMPTS[i]!.seed}`,
        png,
      ),
    ),
    normal(
      'preview-wide',
      `preview render 1344×768 (16:9 request) of "${PREVIEW_PROMPTS[1].prompt}", seed 8`,
      renderPreviewImage({ prompt: PREVIEW_PROMPTS[1].prompt, seed: 8, ...wide }).png,
      wide,
    ),
    normal('landscape', 'synthetic landscape 1024×1024: SVG scene + texture + grain', landscape),
    normal(
      'preview-1-jpeg90',
      'preview-1 saved as JPEG quality 90 (a hosted model answering JPEG)',
      await jpegRoundTrip(base, 90),
    ),
    failure(
      'blur-8',
      'preview-1 blurred, Gaussian σ = 8 (sharp .blur(8))',
      await sharp(base).blur(8).png().toBuffer(),
      'blurry',
    ),
    failure(
      'blur-3',
      'preview-1 blurred, Gaussian σ = 3',
      await sharp(base).blur(3).png().toBuffer(),
      'blurry',
    ),
    failure(
      'landscape-blur-8',
      'landscape blurred, Gaussian σ = 8',
      await sharp(landscape).blur(8).png().toBuffer(),
      'blurry',
    ),
    failure(
      'overexposed',
      'preview-1 with .linear(1.8, 80): levels × 1.8 + 80',
      await sharp(base).linear(1.8, 80).png().toBuffer(),
      'overexposed',
    ),
    failure(
      'landscape-overexposed',
      'landscape with .linear(1.8, 80)',
      await sharp(landscape).linear(1.8, 80).png().toBuffer(),
      'overexposed',
    ),
    failure(
      'underexposed',
      'preview-1 with .linear(0.2, 0): levels × 0.2 (very dark)',
      await sharp(base).linear(0.2, 0).png().toBuffer(),
      'underexposed',
    ),
    failure(
      'washed-out',
      'preview-1 with .linear(0.25, 140): a quarter of the contrast, lifted to grey',
      await sharp(base).linear(0.25, 140).png().toBuffer(),
      'low_contrast',
    ),
    failure(
      'jpeg-10',
      'preview-1 saved as JPEG quality 10',
      await jpegRoundTrip(base, 10),
      'blocky',
    ),
    failure(
      'landscape-jpeg-10',
      'landscape saved as JPEG quality 10',
      await jpegRoundTrip(landscape, 10),
      'blocky',
    ),
    failure(
      'undersized',
      'preview render 512×512 for a 1024×1024 request',
      preview(0, 512, 512),
      'undersized',
    ),
    failure(
      'landscape-undersized',
      'landscape made at 512×512 for a 1024×1024 request',
      await syntheticLandscape(512, 512),
      'undersized',
    ),
    failure(
      'flat-grey',
      'flat grey rgb(128, 128, 128)',
      await flat({ r: 128, g: 128, b: 128 }),
      'blank',
    ),
    failure(
      'grey-noise',
      'flat grey with Gaussian noise σ = 3 (an empty render with sensor-like noise)',
      await flat({ r: 128, g: 128, b: 128 }, 3),
      'blank',
    ),
    failure(
      'black',
      'black (what safety filters commonly return)',
      await flat({ r: 0, g: 0, b: 0 }),
      'blank',
    ),
    failure('white', 'white', await flat({ r: 255, g: 255, b: 255 }), 'blank'),
    failure(
      'single-colour',
      'one colour rgb(210, 60, 90)',
      await flat({ r: 210, g: 60, b: 90 }),
      'blank',
    ),
  ]
}
