import { KamuiError } from '../../core/errors.js'

/** Longest side of a clip rendered locally, in pixels (the preview provider's default cap). */
export const DEFAULT_MAX_LONG_SIDE = 1280

/** An aspect ratio `W:H` as given by the `aspect-ratio` input. */
export interface AspectRatio {
  width: number
  height: number
  /** As written, e.g. `16:9`. */
  text: string
}

/**
 * Parses `16:9`, `9:16`, `1:1`, `4:3`, … (also `16/9`, `16x9`). Empty or `auto` → undefined.
 *
 * @throws KamuiError CFG_001 for anything else (or sides outside 1–100)
 */
export function parseAspectRatio(
  value: string,
  inputName = 'aspect-ratio',
): AspectRatio | undefined {
  const text = value.trim().toLowerCase()
  if (text === '' || text === 'auto') return undefined
  const match = /^(\d{1,3})\s*[:/x]\s*(\d{1,3})$/.exec(text)
  const width = Number(match?.[1])
  const height = Number(match?.[2])
  if (!match || width < 1 || height < 1 || width > 100 || height > 100) {
    throw new KamuiError(
      'CFG_001',
      `${inputName} must be W:H such as 16:9, 9:16 or 1:1 (or empty for the image's own), got "${value}".`,
    )
  }
  return { width, height, text: `${width}:${height}` }
}

/**
 * The size of a clip rendered from a `sourceWidth` × `sourceHeight` image: the largest
 * rectangle of the requested aspect ratio inside the image (the whole image when no ratio is
 * given), scaled down so that its longer side is at most `maxLongSide`, with both sides rounded
 * down to even numbers (H.264 in yuv420p needs even sides) and at least 2.
 */
export function clipSize(
  sourceWidth: number,
  sourceHeight: number,
  aspect: AspectRatio | undefined,
  maxLongSide = DEFAULT_MAX_LONG_SIDE,
): { width: number; height: number } {
  let width = sourceWidth
  let height = sourceHeight
  if (aspect) {
    const ratio = aspect.width / aspect.height
    if (sourceWidth / sourceHeight > ratio) width = sourceHeight * ratio
    else height = sourceWidth / ratio
  }
  const scale = Math.min(1, maxLongSide / Math.max(width, height))
  return { width: even(width * scale), height: even(height * scale) }
}

function even(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2)
}
