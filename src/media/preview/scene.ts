import type { Palette, RgbF } from './palette.js'
import { hash2, type Prng } from './random.js'

/** A soft glow: colour added with a Gaussian falloff. Units: image heights. */
interface Glow {
  x: number
  y: number
  /** 1 / radius². */
  invR2: number
  strength: number
  color: RgbF
}

/** A crisp disc or ring with an anti-aliased edge. Units: image heights. */
interface Disc {
  x: number
  y: number
  r: number
  /** Ring thickness; 0 for a filled disc. */
  ring: number
  opacity: number
  color: RgbF
}

/** A layered band (hill, dune, wave) whose top edge is a sum of sines along a tilted axis. */
interface Band {
  /** Edge position across the band axis, sampled along it (see {@link Scene.alongMin}). */
  edge: Float32Array
  color: RgbF
  /** How much the band fades into the background colour (distance haze), 0–1. */
  haze: number
  /** Frequency of the fine strata lines inside the band, per image height. */
  strata: number
}

/**
 * The composition of one preview picture: a background gradient, soft glows, scattered bokeh,
 * crisp discs and rings, layered bands with strata, a vignette and a two-octave surface
 * texture. Built once per image by {@link buildScene}; shaded per pixel by {@link shadePixel}.
 * Coordinates are in image heights, centred: X ∈ [-aspect/2, aspect/2], Y ∈ [-0.5, 0.5].
 */
export interface Scene {
  width: number
  height: number
  aspect: number
  palette: Palette
  gradDx: number
  gradDy: number
  gradScale: number
  glows: Glow[]
  discs: Disc[]
  bands: Band[]
  bandCos: number
  bandSin: number
  alongMin: number
  /** Edge samples per image height. */
  alongStep: number
  bokehCell: number
  bokehDensity: number
  bokehColor: RgbF
  /** Salt of the hashed texture and bokeh, from the composition seed. */
  salt: number
}

/**
 * Lays out the composition of a `width` × `height` picture from the prompt's palette and a
 * composition generator (seeded by prompt, seed and stand-in alias).
 */
export function buildScene(palette: Palette, rng: Prng, width: number, height: number): Scene {
  const aspect = width / height
  const half = aspect / 2
  const gradDx = Math.cos(palette.gradientAngle)
  const gradDy = Math.sin(palette.gradientAngle)
  const gradScale = 1 / (2 * (Math.abs(gradDx) * half + Math.abs(gradDy) * 0.5))

  // The draw order from `rng` (glows, discs, band layout, bokeh, salt) fixes the picture.
  const glows = buildGlows(palette, rng, half)
  const discs = buildDiscs(palette, rng, half)
  const layout = buildBands(palette, rng, half, height)

  return {
    width,
    height,
    aspect,
    palette,
    gradDx,
    gradDy,
    gradScale,
    glows,
    discs,
    ...layout,
    bokehCell: rng.range(0.035, 0.07),
    bokehDensity: rng.range(0.15, 0.45),
    bokehColor: pick(palette.accents, rng),
    salt: rng.int(1, 0x7fffffff),
  }
}

/** 3–5 soft glows in the upper part of the picture; `half` is half the aspect ratio. */
function buildGlows(palette: Palette, rng: Prng, half: number): Glow[] {
  const glows: Glow[] = []
  const glowCount = rng.int(3, 5)
  for (let k = 0; k < glowCount; k++) {
    const r = rng.range(0.12, 0.4)
    glows.push({
      x: rng.range(-half * 0.9, half * 0.9),
      y: rng.range(-0.45, 0.2),
      invR2: 1 / (r * r),
      strength: rng.range(0.3, 0.7),
      color: pick(palette.accents, rng),
    })
  }
  return glows
}

/** 1–3 crisp discs, about a third of them rings; `half` is half the aspect ratio. */
function buildDiscs(palette: Palette, rng: Prng, half: number): Disc[] {
  const discs: Disc[] = []
  const discCount = rng.int(1, 3)
  for (let k = 0; k < discCount; k++) {
    const r = rng.range(0.035, 0.13)
    discs.push({
      x: rng.range(-half * 0.8, half * 0.8),
      y: rng.range(-0.38, 0.05),
      r,
      ring: rng.next() < 0.35 ? rng.range(0.006, 0.02) : 0,
      opacity: rng.range(0.55, 0.9),
      color: pick(palette.accents, rng),
    })
  }
  return discs
}

/** The band fields of a {@link Scene}. */
type BandLayout = Pick<Scene, 'bands' | 'bandCos' | 'bandSin' | 'alongMin' | 'alongStep'>

/**
 * 2–4 layered bands along a slightly tilted axis, each lower than the last, with their edges
 * sampled `alongStep` times per image height across the whole picture.
 */
function buildBands(palette: Palette, rng: Prng, half: number, height: number): BandLayout {
  const tilt = rng.range(-0.2, 0.2)
  const bandCos = Math.cos(tilt)
  const bandSin = Math.sin(tilt)
  const alongMin = -(half + 0.5) - 0.01
  const alongMax = half + 0.5 + 0.01
  const alongStep = Math.max(64, height * 2)
  const samples = Math.ceil((alongMax - alongMin) * alongStep) + 2
  const bands: Band[] = []
  const bandCount = rng.int(2, 4)
  let base = rng.range(-0.06, 0.12)
  for (let k = 0; k < bandCount; k++) {
    const edge = sampleBandEdge(rng, base, samples, alongMin, alongStep)
    const colorIndex = Math.min(
      palette.grounds.length - 1,
      k + (bandCount < 4 ? rng.int(0, 4 - bandCount) : 0),
    )
    bands.push({
      edge,
      color: palette.grounds[colorIndex] ?? [0.3, 0.3, 0.3],
      haze: Math.max(0, 0.45 - 0.15 * k),
      strata: rng.range(40, 110),
    })
    base += rng.range(0.07, 0.14)
  }
  return { bands, bandCos, bandSin, alongMin, alongStep }
}

/** One band's top edge: `base` plus three random sine octaves, at `samples` points. */
function sampleBandEdge(
  rng: Prng,
  base: number,
  samples: number,
  alongMin: number,
  alongStep: number,
): Float32Array {
  const waves = [
    { a: rng.range(0.025, 0.085), f: rng.range(2.5, 6), p: rng.range(0, 6.3) },
    { a: rng.range(0.008, 0.03), f: rng.range(8, 16), p: rng.range(0, 6.3) },
    { a: rng.range(0.002, 0.007), f: rng.range(28, 46), p: rng.range(0, 6.3) },
  ]
  const edge = new Float32Array(samples)
  for (let i = 0; i < samples; i++) {
    const along = alongMin + i / alongStep
    let e = base
    for (const w of waves) e += w.a * Math.sin(w.f * along + w.p)
    edge[i] = e
  }
  return edge
}

/**
 * The colour being composited for the current pixel, in double precision (a Float32Array
 * would round between layers and change the picture). Reused for every pixel: no allocation
 * per pixel; {@link shadePixel} is synchronous, so one buffer per module instance suffices.
 */
const acc = new Float64Array(3)

/**
 * Shades the pixel centred at image coordinates (`px`, `py`) (in pixels, e.g. `x + 0.5`) into
 * `out` as float RGB, nominally 0–1 (may slightly overshoot; levels are applied later).
 */
export function shadePixel(scene: Scene, px: number, py: number, out: Float32Array): void {
  const h = scene.height
  const X = (px - scene.width / 2) / h
  const Y = (py - h / 2) / h

  shadeSky(scene, X, Y)
  addGlows(scene, X, Y)
  addBokeh(scene, X, Y)
  addDiscs(scene, X, Y)
  addBands(scene, X, Y)

  // Two-octave value-noise surface texture (pixel-scale detail), multiplicative.
  const tex =
    1 +
    0.05 * valueNoise(px / 23, py / 23, scene.salt) +
    0.035 * valueNoise(px / 4.5, py / 4.5, scene.salt + 1)
  const vx = X / (scene.aspect / 2)
  const vignette = 1 - 0.22 * (vx * vx * 0.5 + Y * Y * 2)
  const m = tex * vignette
  out[0] = acc[0]! * m
  out[1] = acc[1]! * m
  out[2] = acc[2]! * m
}

/** Starts {@link acc} with the smoothstepped background gradient at (`X`, `Y`) (image heights). */
function shadeSky(scene: Scene, X: number, Y: number): void {
  const pal = scene.palette
  let t = 0.5 + (X * scene.gradDx + Y * scene.gradDy) * scene.gradScale
  t = t < 0 ? 0 : t > 1 ? 1 : t
  t = t * t * (3 - 2 * t)
  acc[0] = pal.skyFrom[0] + (pal.skyTo[0] - pal.skyFrom[0]) * t
  acc[1] = pal.skyFrom[1] + (pal.skyTo[1] - pal.skyFrom[1]) * t
  acc[2] = pal.skyFrom[2] + (pal.skyTo[2] - pal.skyFrom[2]) * t
}

/** Blends the Gaussian glows into {@link acc}. */
function addGlows(scene: Scene, X: number, Y: number): void {
  let r = acc[0]!
  let g = acc[1]!
  let b = acc[2]!
  for (const glow of scene.glows) {
    const dx = X - glow.x
    const dy = Y - glow.y
    const q = (dx * dx + dy * dy) * glow.invR2
    if (q > 7) continue
    const w = glow.strength * Math.exp(-q)
    r += (glow.color[0] - r) * w
    g += (glow.color[1] - g) * w
    b += (glow.color[2] - b) * w
  }
  acc[0] = r
  acc[1] = g
  acc[2] = b
}

/** Bokeh: blends at most one soft-edged dot per hashed cell into {@link acc}. */
function addBokeh(scene: Scene, X: number, Y: number): void {
  const cell = scene.bokehCell
  const cx = Math.floor(X / cell)
  const cy = Math.floor(Y / cell)
  const hv = hash2(cx, cy, scene.salt)
  if ((hv & 0xffff) / 65536 < scene.bokehDensity) {
    const ox = (cx + 0.2 + 0.6 * (((hv >>> 16) & 0xff) / 255)) * cell
    const oy = (cy + 0.2 + 0.6 * ((hv >>> 24) / 255)) * cell
    const rad = cell * (0.08 + 0.2 * ((hv & 0xff) / 255))
    const d = Math.sqrt((X - ox) * (X - ox) + (Y - oy) * (Y - oy))
    const cov = clamp01((rad - d) * scene.height * 0.5 + 0.5) * 0.35
    if (cov > 0) {
      const r = acc[0]!
      const g = acc[1]!
      const b = acc[2]!
      acc[0] = r + (scene.bokehColor[0] + 0.25 - r) * cov
      acc[1] = g + (scene.bokehColor[1] + 0.25 - g) * cov
      acc[2] = b + (scene.bokehColor[2] + 0.25 - b) * cov
    }
  }
}

/** Blends the anti-aliased discs and rings into {@link acc}. */
function addDiscs(scene: Scene, X: number, Y: number): void {
  const h = scene.height
  let r = acc[0]!
  let g = acc[1]!
  let b = acc[2]!
  for (const disc of scene.discs) {
    const dx = X - disc.x
    const dy = Y - disc.y
    const d = Math.sqrt(dx * dx + dy * dy)
    if (d > disc.r + disc.ring + 0.01) continue
    const cov =
      disc.ring > 0
        ? clamp01((disc.ring / 2 - Math.abs(d - disc.r)) * h + 0.5)
        : clamp01((disc.r - d) * h + 0.5)
    const a = cov * disc.opacity
    const lift = disc.ring > 0 ? 0 : 0.12 * (1 - d / disc.r)
    r += (disc.color[0] + lift - r) * a
    g += (disc.color[1] + lift - g) * a
    b += (disc.color[2] + lift - b) * a
  }
  acc[0] = r
  acc[1] = g
  acc[2] = b
}

/** Blends the hazed, shaded, striated bands into {@link acc}. */
function addBands(scene: Scene, X: number, Y: number): void {
  const h = scene.height
  const pal = scene.palette
  const along = X * scene.bandCos + Y * scene.bandSin
  const across = -X * scene.bandSin + Y * scene.bandCos
  const pos = (along - scene.alongMin) * scene.alongStep
  const i0 = Math.floor(pos)
  const f = pos - i0
  let r = acc[0]!
  let g = acc[1]!
  let b = acc[2]!
  for (const band of scene.bands) {
    const e0 = band.edge[i0] ?? 0
    const e1 = band.edge[i0 + 1] ?? e0
    const depth = across - (e0 + (e1 - e0) * f)
    const cov = clamp01(depth * h + 0.5)
    if (cov <= 0) continue
    const shade = 1 - 0.4 * Math.min(1, depth / 0.35)
    const strata = 1 + 0.05 * Math.sin(depth * band.strata * 6.283)
    const k = shade * strata
    const hz = band.haze
    const br = (band.color[0] * (1 - hz) + pal.skyTo[0] * hz) * k
    const bg = (band.color[1] * (1 - hz) + pal.skyTo[1] * hz) * k
    const bb = (band.color[2] * (1 - hz) + pal.skyTo[2] * hz) * k
    r += (br - r) * cov
    g += (bg - g) * cov
    b += (bb - b) * cov
  }
  acc[0] = r
  acc[1] = g
  acc[2] = b
}

/** Smooth value noise in [-1, 1] at lattice coordinates (`x`, `y`). */
function valueNoise(x: number, y: number, salt: number): number {
  const ix = Math.floor(x)
  const iy = Math.floor(y)
  let fx = x - ix
  let fy = y - iy
  fx = fx * fx * (3 - 2 * fx)
  fy = fy * fy * (3 - 2 * fy)
  const a = hash2(ix, iy, salt) / 2147483648 - 1
  const b = hash2(ix + 1, iy, salt) / 2147483648 - 1
  const c = hash2(ix, iy + 1, salt) / 2147483648 - 1
  const d = hash2(ix + 1, iy + 1, salt) / 2147483648 - 1
  const top = a + (b - a) * fx
  const bottom = c + (d - c) * fx
  return top + (bottom - top) * fy
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v
}

function pick<T>(items: readonly T[], rng: Prng): T {
  const item = items[Math.floor(rng.next() * items.length)] ?? items[0]
  if (item === undefined) throw new Error('empty palette')
  return item
}
