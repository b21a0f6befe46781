/**
 * A depth map as the point-cloud stage uses it: one value per pixel, 0–1, where **1 is the
 * nearest** and 0 the farthest (the convention of relative inverse-depth models such as
 * MiDaS and Depth Anything, whose outputs are brighter for nearer surfaces).
 */
export interface DepthMap {
  width: number
  height: number
  /** `width * height` values, row-major from the top-left pixel, each 0–1. */
  values: Float32Array
  /**
   * The same values as 16-bit samples (`value = sample / 65535`), when the map was rounded to
   * 16 bits ({@link quantizeDepth16}); exact, unlike their float32 copies in `values`.
   */
  samples16?: Uint16Array
}

/** Largest value of a 16-bit sample. */
export const MAX_U16 = 65535

/**
 * Resizes a depth map to `width` × `height` with bilinear interpolation (pixel centres aligned,
 * edges clamped). Returns `depth` itself when it already has that size.
 */
export function resizeDepth(depth: DepthMap, width: number, height: number): DepthMap {
  if (depth.width === width && depth.height === height) return depth
  const values = new Float32Array(width * height)
  const sx = depth.width / width
  const sy = depth.height / height
  for (let y = 0; y < height; y++) {
    const v = Math.min(depth.height - 1, Math.max(0, (y + 0.5) * sy - 0.5))
    const y0 = Math.floor(v)
    const y1 = Math.min(depth.height - 1, y0 + 1)
    const fy = v - y0
    for (let x = 0; x < width; x++) {
      const u = Math.min(depth.width - 1, Math.max(0, (x + 0.5) * sx - 0.5))
      const x0 = Math.floor(u)
      const x1 = Math.min(depth.width - 1, x0 + 1)
      const fx = u - x0
      const at = (xx: number, yy: number): number => depth.values[yy * depth.width + xx] as number
      const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
      const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
      values[y * width + x] = top * (1 - fy) + bottom * fy
    }
  }
  return { width, height, values }
}

/**
 * The map with every value rounded to the nearest 16-bit step (`round(v · 65535) / 65535`):
 * exactly what `depth_gray.png` stores, so the cloud and the file agree bit for bit.
 */
export function quantizeDepth16(depth: DepthMap): DepthMap & { samples16: Uint16Array } {
  const values = new Float32Array(depth.values.length)
  const samples16 = new Uint16Array(depth.values.length)
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(1, Math.max(0, depth.values[i] as number))
    const sample = Math.round(v * MAX_U16)
    samples16[i] = sample
    values[i] = sample / MAX_U16
  }
  return { width: depth.width, height: depth.height, values, samples16 }
}

/** The depth of pixel `i` as a double: exact for 16-bit maps (`sample / 65535`). */
export function depthAt(depth: DepthMap, i: number): number {
  return depth.samples16 ? (depth.samples16[i] as number) / MAX_U16 : (depth.values[i] as number)
}
