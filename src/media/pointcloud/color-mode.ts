/** The `color-mode` values of the legacy module: the image's colours, grey, or sepia. */
export const COLOR_MODES = ['color', 'monochrome', 'sepia'] as const
export type ColorMode = (typeof COLOR_MODES)[number]

/**
 * The colour a point gets from its pixel's 8-bit RGB:
 *
 * - `color`: unchanged;
 * - `monochrome`: the Rec. 601 luma `round(0.299 R + 0.587 G + 0.114 B)` on all three channels;
 * - `sepia`: the classic sepia matrix (R' = .393R + .769G + .189B, G' = .349R + .686G + .168B,
 *   B' = .272R + .534G + .131B), rounded and clipped to 255.
 */
export function applyColorMode(
  mode: ColorMode,
  r: number,
  g: number,
  b: number,
): [number, number, number] {
  if (mode === 'monochrome') {
    const y = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
    return [y, y, y]
  }
  if (mode === 'sepia') {
    return [
      Math.min(255, Math.round(0.393 * r + 0.769 * g + 0.189 * b)),
      Math.min(255, Math.round(0.349 * r + 0.686 * g + 0.168 * b)),
      Math.min(255, Math.round(0.272 * r + 0.534 * g + 0.131 * b)),
    ]
  }
  return [r, g, b]
}
