/**
 * Rec. 709 luma of 8-bit sRGB-encoded values, 0–1: `(0.2126 R + 0.7152 G + 0.0722 B) / 255`
 * (computed on the encoded values, as video luma is, not on linear light).
 */
export function luma709(r: number, g: number, b: number): number {
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
}
