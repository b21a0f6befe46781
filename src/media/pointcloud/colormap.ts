import type { DepthMap } from './depth-map.js'

/**
 * The colour map of `depth.png`, for people to look at: a piecewise-linear approximation of
 * matplotlib's perceptually uniform **plasma** map (the legacy module's choice), interpolated in
 * sRGB between plasma's colours at 0, ¼, ½, ¾ and 1: #0d0887, #7e03a8, #cc4778, #f89540,
 * #f0f921. Far (0) is dark blue-violet, near (1) is yellow.
 */
export const PLASMA_STOPS: readonly (readonly [number, number, number])[] = [
  [0x0d, 0x08, 0x87],
  [0x7e, 0x03, 0xa8],
  [0xcc, 0x47, 0x78],
  [0xf8, 0x95, 0x40],
  [0xf0, 0xf9, 0x21],
]

/** The colour of value `v` (clamped to 0–1) as 8-bit RGB. */
export function plasma(v: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, v)) * (PLASMA_STOPS.length - 1)
  const i = Math.min(PLASMA_STOPS.length - 2, Math.floor(t))
  const f = t - i
  const a = PLASMA_STOPS[i] as readonly [number, number, number]
  const b = PLASMA_STOPS[i + 1] as readonly [number, number, number]
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ]
}

/** The depth map coloured with {@link plasma}: `width * height * 3` bytes of RGB. */
export function colourMapDepth(depth: DepthMap): Uint8Array {
  const out = new Uint8Array(depth.values.length * 3)
  for (let i = 0; i < depth.values.length; i++) out.set(plasma(depth.values[i] as number), i * 3)
  return out
}
