import type { RgbImage } from '../raster/rgb-image.js'
import { applyColorMode, type ColorMode } from './color-mode.js'
import { depthAt, type DepthMap } from './depth-map.js'

/** Depth range of the cloud: z goes from 0 (farthest) to this (nearest), as in the legacy cloud. */
export const DEFAULT_DEPTH_SCALE = 100

/** A coloured point cloud. */
export interface PointCloud {
  count: number
  /** `3 * count` floats: x, y, z of each point. */
  positions: Float32Array
  /** `3 * count` bytes: red, green, blue of each point. */
  colors: Uint8Array
  /** Sampling step in pixels along both axes (1 = every pixel). */
  stride: number
}

/** Options of {@link buildPointCloud}. */
export interface BuildOptions {
  /** Upper bound of the point count (≥ 1). */
  maxPoints: number
  colorMode: ColorMode
  /** z of the nearest depth (default {@link DEFAULT_DEPTH_SCALE}). */
  depthScale?: number
}

/**
 * The smallest sampling stride s ≥ 1 with ⌈W/s⌉ · ⌈H/s⌉ ≤ `maxPoints`: it starts at
 * ⌈√(W·H / maxPoints)⌉ (the legacy formula) and grows while the grid is still too large.
 */
export function samplingStride(width: number, height: number, maxPoints: number): number {
  let stride = Math.max(1, Math.ceil(Math.sqrt((width * height) / Math.max(1, maxPoints))))
  while (Math.ceil(width / stride) * Math.ceil(height / stride) > maxPoints) stride++
  return stride
}

/**
 * Builds the cloud from an image and its depth map (same size): one point per sampled pixel
 * (every `stride`-th column and row from the top-left pixel), at
 *
 *   x = col − W/2,  y = −(row − H/2),  z = d(col, row) · depthScale
 *
 * (d from the 16-bit samples when the map has them, so z = sample / 65535 · depthScale exactly)
 *
 * (image pixels as units, y up, nearer surfaces towards +z, the camera's side), coloured with
 * the pixel's colour after `colorMode`.
 */
export function buildPointCloud(
  image: RgbImage,
  depth: DepthMap,
  options: BuildOptions,
): PointCloud {
  if (depth.width !== image.width || depth.height !== image.height) {
    throw new Error(
      `depth map ${depth.width}x${depth.height} does not match the image ${image.width}x${image.height}`,
    )
  }
  const { width, height } = image
  const scale = options.depthScale ?? DEFAULT_DEPTH_SCALE
  const stride = samplingStride(width, height, options.maxPoints)
  const count = Math.ceil(width / stride) * Math.ceil(height / stride)
  const positions = new Float32Array(count * 3)
  const colors = new Uint8Array(count * 3)
  let n = 0
  for (let row = 0; row < height; row += stride) {
    for (let col = 0; col < width; col += stride) {
      const pixel = row * width + col
      positions[n * 3] = col - width / 2
      positions[n * 3 + 1] = -(row - height / 2)
      positions[n * 3 + 2] = depthAt(depth, pixel) * scale
      const rgb = applyColorMode(
        options.colorMode,
        image.data[pixel * 3] as number,
        image.data[pixel * 3 + 1] as number,
        image.data[pixel * 3 + 2] as number,
      )
      colors.set(rgb, n * 3)
      n++
    }
  }
  return { count, positions, colors, stride }
}
