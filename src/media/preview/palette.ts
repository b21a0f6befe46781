/** A colour with float channels `[red, green, blue]`, each 0–1 (sRGB, not linear). */
export type RgbF = [number, number, number]

/**
 * The colours and gradient direction of one prompt. Everything is derived from the prompt's
 * SHA-256 digest, so the same prompt always gets the same palette and different prompts get
 * visibly different ones (base hue, colour scheme, saturation and light).
 */
export interface Palette {
  /** Background gradient colour at the start of {@link Palette.gradientAngle}. */
  skyFrom: RgbF
  /** Background gradient colour at the end of the gradient. */
  skyTo: RgbF
  /** Light, saturated colours for glows and discs (5 of them). */
  accents: RgbF[]
  /** Colours of the layered bands, far (light) to near (dark) (4 of them). */
  grounds: RgbF[]
  /** Direction of the background gradient in radians (0 = left to right, π/2 = top to bottom). */
  gradientAngle: number
}

/** Hue offsets in degrees of the colour schemes (analogous, complementary, triadic, split). */
const SCHEMES: readonly (readonly number[])[] = [
  [0, 30, -30, 15, -15],
  [0, 180, 20, 160, -20],
  [0, 120, 240, 60, 180],
  [0, 150, 210, 30, -30],
]

/**
 * Derives the {@link Palette} of a prompt from its 32-byte digest (`sha256(prompt)`): byte 0–1
 * base hue, byte 2 scheme, byte 3 saturation, byte 4 light/dark mood, bytes 5–6 gradient angle,
 * the rest small per-colour variations.
 */
export function paletteFromDigest(digest: Uint8Array): Palette {
  const b = (i: number): number => (digest[i % digest.length] ?? 0) / 255
  const hue = (((digest[0] ?? 0) * 256 + (digest[1] ?? 0)) / 65536) * 360
  const scheme = SCHEMES[(digest[2] ?? 0) % SCHEMES.length] ?? SCHEMES[0] ?? [0]
  const sat = 0.38 + 0.4 * b(3)
  const mood = b(4)
  const at = (k: number): number => hue + (scheme[k % scheme.length] ?? 0)

  const skyLight = 0.58 + 0.22 * mood
  const skyFrom = hsl(at(0) + 10 * (b(7) - 0.5), sat * 0.8, skyLight)
  const skyTo = hsl(at(1) + 10 * (b(8) - 0.5), sat * 0.9, skyLight - 0.22 - 0.1 * b(9))
  const accents: RgbF[] = []
  for (let k = 0; k < 5; k++) {
    accents.push(
      hsl(at(k) + 16 * (b(10 + k) - 0.5), Math.min(0.85, sat + 0.15), 0.56 + 0.2 * b(15 + k)),
    )
  }
  const grounds: RgbF[] = []
  for (let k = 0; k < 4; k++) {
    grounds.push(hsl(at(k + 2) + 12 * (b(20 + k) - 0.5), sat * (0.7 + 0.1 * k), 0.5 - 0.09 * k))
  }
  const gradientAngle = Math.PI / 2 + (b(5) - 0.5) * Math.PI * 0.9 + (b(6) > 0.85 ? Math.PI : 0)
  return { skyFrom, skyTo, accents, grounds, gradientAngle }
}

/** HSL to float RGB: `h` in degrees (any value, wrapped), `s` and `l` in 0–1. */
export function hsl(h: number, s: number, l: number): RgbF {
  const hue = (((h % 360) + 360) % 360) / 360
  const q = l < 0.5 ? l * (1 + s) : l + s - l * s
  const p = 2 * l - q
  return [channel(p, q, hue + 1 / 3), channel(p, q, hue), channel(p, q, hue - 1 / 3)]
}

function channel(p: number, q: number, t0: number): number {
  const t = t0 < 0 ? t0 + 1 : t0 > 1 ? t0 - 1 : t0
  if (t < 1 / 6) return p + (q - p) * 6 * t
  if (t < 1 / 2) return q
  if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6
  return p
}
