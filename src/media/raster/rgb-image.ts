/**
 * An 8-bit RGB raster without alpha: `data[(y * width + x) * 3 + c]` is channel `c` (0 red,
 * 1 green, 2 blue) of the pixel at column `x`, row `y` (origin top left).
 */
export interface RgbImage {
  /** Width in pixels. */
  width: number
  /** Height in pixels. */
  height: number
  /** `width * height * 3` bytes, row-major, no row padding. */
  data: Uint8Array
}

/** An 8-bit colour `[red, green, blue]`, each 0–255. */
export type Rgb8 = readonly [number, number, number]

/** A black {@link RgbImage} of `width` × `height` pixels (`width * height * 3` bytes). */
export function createRgbImage(width: number, height: number): RgbImage {
  return { width, height, data: new Uint8Array(width * height * 3) }
}
