import { Prng, sha256Bytes } from '../preview/random.js'
import { createRgbImage, type RgbImage } from '../raster/rgb-image.js'

/**
 * The motion of a preview clip: a slow pan-and-zoom ("Ken Burns") over the image, and, when a
 * last frame is given, a crossfade to it along the same pan. Everything is computed in code on
 * 8-bit RGB rasters; {@link encodeRgbFrames} turns the frames into H.264.
 *
 * Coordinates: the view is a window over the source image, given by its centre (`cx`, `cy`,
 * 0–1 across the image's crop to the clip's aspect ratio) and a zoom factor (1 = the whole
 * crop). Frame 0 always shows the whole first image (zoom 1, centred); with a last frame the
 * final frame shows the whole last image, so the clip starts and ends exactly on its keyframes.
 */

/** Where the camera looks at one instant. */
export interface ViewAt {
  /** ≥ 1; the window covers 1/zoom of the crop in each direction. */
  zoom: number
  /** Window centre, 0–1 across the crop. */
  cx: number
  cy: number
  /** Weight of the last image in the crossfade, 0–1 (always 0 without a last image). */
  mix: number
}

/** The seeded parameters of one clip's motion. */
export interface PanZoomMotion {
  /** Largest extra zoom (0.1–0.22): the zoom goes from 1 to 1 + this. */
  zoomAmount: number
  /** Point the pan moves towards, 0–1 across the crop (0.3–0.7 on each axis). */
  targetX: number
  targetY: number
  /** Whether there is a last image (the path returns to the full view and crossfades). */
  toLastFrame: boolean
}

/** The motion of a clip, derived deterministically from `seed` and `prompt`. */
export function panZoomMotion(seed: number, prompt: string, toLastFrame: boolean): PanZoomMotion {
  const random = new Prng(sha256Bytes(`pan-zoom|${seed}|${prompt}`))
  return {
    zoomAmount: 0.1 + 0.12 * random.next(),
    targetX: 0.3 + 0.4 * random.next(),
    targetY: 0.3 + 0.4 * random.next(),
    toLastFrame,
  }
}

/**
 * The view at time `t` (0 = first frame, 1 = last frame).
 *
 * - one image: zoom = 1 + A·s(t), centre = lerp(½, target, s(t)), with the smoothstep
 *   s(t) = 3t² − 2t³ (a zoom into the target that starts and ends gently);
 * - first and last image: zoom = 1 + A·sin(πt), centre = ½ + (target − ½)·sin(πt), and the
 *   crossfade weight of the last image is s(t): the camera moves in and back out while the
 *   first image dissolves into the last, ending on the whole last image.
 *
 * The centre is clamped so the window never leaves the image.
 */
export function viewAt(motion: PanZoomMotion, t: number): ViewAt {
  const u = Math.min(1, Math.max(0, t))
  const s = u * u * (3 - 2 * u)
  const swing = motion.toLastFrame ? (u === 1 ? 0 : Math.sin(Math.PI * u)) : s
  const zoom = 1 + motion.zoomAmount * swing
  const half = 0.5 / zoom
  const clamp = (v: number): number => Math.min(1 - half, Math.max(half, v))
  return {
    zoom,
    cx: clamp(0.5 + (motion.targetX - 0.5) * swing),
    cy: clamp(0.5 + (motion.targetY - 0.5) * swing),
    mix: motion.toLastFrame ? s : 0,
  }
}

/** Options of {@link panZoomFrames}. */
export interface PanZoomOptions {
  /** Clip size in pixels. */
  width: number
  height: number
  /** Number of frames (≥ 1); frame i is at t = i / (frames − 1). */
  frames: number
  motion: PanZoomMotion
  /** Called on every frame after it is rendered, before it is yielded (the preview label). */
  decorate?: (frame: RgbImage, index: number) => void
}

/**
 * Renders the frames of a pan-and-zoom clip over `first` (crossfading to `last` when given).
 * Each source is cropped to the clip's aspect ratio around its centre and sampled bilinearly;
 * when a source has the clip's size, frame 0 (and the last frame, with `last`) reproduce it
 * pixel for pixel.
 *
 * @returns one new RGB raster per frame, lazily
 */
export function* panZoomFrames(
  first: RgbImage,
  last: RgbImage | undefined,
  options: PanZoomOptions,
): Generator<RgbImage> {
  const { width, height, frames } = options
  const a = new Sampler(first, width, height)
  const b = last ? new Sampler(last, width, height) : undefined
  for (let i = 0; i < frames; i++) {
    const view = viewAt(options.motion, frames === 1 ? 0 : i / (frames - 1))
    const frame = createRgbImage(width, height)
    a.sample(view, frame.data, 1)
    if (b && view.mix > 0) b.sample(view, frame.data, view.mix)
    options.decorate?.(frame, i)
    yield frame
  }
}

/** Bilinear sampling of one source image through a view window, for a fixed output size. */
class Sampler {
  private readonly x0: number
  private readonly y0: number
  private readonly cw: number
  private readonly ch: number
  private readonly cols: Axis
  private readonly rows: Axis

  constructor(
    private readonly source: RgbImage,
    private readonly width: number,
    private readonly height: number,
  ) {
    const ratio = width / height
    let cw = source.width
    let ch = source.height
    if (cw / ch > ratio) cw = ch * ratio
    else ch = cw / ratio
    this.cw = cw
    this.ch = ch
    this.x0 = (source.width - cw) / 2
    this.y0 = (source.height - ch) / 2
    this.cols = new Axis(width)
    this.rows = new Axis(height)
  }

  /** Writes the view into `out` (weight 1), or blends it in with `weight` (0–1). */
  sample(view: ViewAt, out: Uint8Array, weight: number): void {
    const { source, width, height, cols, rows } = this
    cols.map(view.cx, view.zoom, this.x0, this.cw, source.width)
    rows.map(view.cy, view.zoom, this.y0, this.ch, source.height)
    const src = source.data
    const stride = source.width * 3
    const keep = 1 - weight
    for (let y = 0; y < height; y++) {
      const r0 = (rows.i0[y] as number) * stride
      const r1 = (rows.i1[y] as number) * stride
      const fy = rows.f[y] as number
      let o = y * width * 3
      for (let x = 0; x < width; x++) {
        const c0 = (cols.i0[x] as number) * 3
        const c1 = (cols.i1[x] as number) * 3
        const fx = cols.f[x] as number
        for (let c = 0; c < 3; c++) {
          const top = (src[r0 + c0 + c] as number) * (1 - fx) + (src[r0 + c1 + c] as number) * fx
          const bottom = (src[r1 + c0 + c] as number) * (1 - fx) + (src[r1 + c1 + c] as number) * fx
          const value = top * (1 - fy) + bottom * fy
          out[o] =
            weight === 1
              ? Math.round(value)
              : Math.round((out[o] as number) * keep + value * weight)
          o++
        }
      }
    }
  }
}

/** Precomputed source indices and fractions along one axis of the output. */
class Axis {
  readonly i0: Int32Array
  readonly i1: Int32Array
  readonly f: Float64Array

  constructor(private readonly size: number) {
    this.i0 = new Int32Array(size)
    this.i1 = new Int32Array(size)
    this.f = new Float64Array(size)
  }

  /** Output pixel k → source coordinate `offset + (centre + ((k + ½)/size − ½)/zoom)·extent − ½`. */
  map(centre: number, zoom: number, offset: number, extent: number, sourceSize: number): void {
    for (let k = 0; k < this.size; k++) {
      const n = centre + ((k + 0.5) / this.size - 0.5) / zoom
      const u = Math.min(sourceSize - 1, Math.max(0, offset + n * extent - 0.5))
      const i = Math.floor(u)
      this.i0[k] = i
      this.i1[k] = Math.min(sourceSize - 1, i + 1)
      this.f[k] = u - i
    }
  }
}
