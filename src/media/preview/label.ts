import { drawText, measureText } from '../raster/font.js'
import type { Rgb8, RgbImage } from '../raster/rgb-image.js'

/** The word stamped on every preview image. */
export const PREVIEW_LABEL = 'PREVIEW'
/** Colour of the label's text. Kept just under 255 so the label never reads as clipped. */
export const LABEL_TEXT_COLOR: Rgb8 = [245, 245, 245]
/** Colour of the second line (the model alias the preview stands in for). */
export const LABEL_ALIAS_COLOR: Rgb8 = [222, 222, 226]
/** Colour the label box darkens the picture towards, with {@link LABEL_BOX_OPACITY}. */
export const LABEL_BOX_COLOR: Rgb8 = [14, 14, 20]
/** Opacity of the label box over the picture, 0–1. */
export const LABEL_BOX_OPACITY = 0.72

/** Where the label goes on an image, all in pixels from the top-left corner. */
export interface PreviewLabelLayout {
  /** The dark box behind the text. */
  box: { x: number; y: number; width: number; height: number }
  /** Integer scale of the `PREVIEW` line (font pixels → image pixels). */
  scale: number
  /** Top-left corner of the `PREVIEW` text. */
  title: { x: number; y: number; width: number; height: number }
  /** The second line, when there is a stand-in alias and room for it. */
  alias?: { text: string; x: number; y: number; scale: number; width: number; height: number }
}

/**
 * Computes where the preview label goes on a `width` × `height` image (top-left corner, scaled
 * with the image: about 1/170 of the shorter side per font pixel, at least 1). When
 * `standInFor` is given, a second, smaller line `STAND-IN FOR <ALIAS>` is laid out under the
 * title, shortened to fit the image width.
 */
export function previewLabelLayout(
  width: number,
  height: number,
  standInFor?: string | null,
): PreviewLabelLayout {
  const short = Math.min(width, height)
  const scale = Math.max(1, Math.min(16, Math.round(short / 170)))
  const margin = Math.max(2, Math.round(short * 0.02))
  const pad = 2 * scale
  const titleSize = measureText(PREVIEW_LABEL, scale)
  const maxText = width - 2 * margin - 2 * pad

  let alias: PreviewLabelLayout['alias']
  if (standInFor && standInFor.trim() !== '') {
    const aliasScale = Math.max(1, Math.round(scale / 2))
    const text = fitText(
      [`STAND-IN FOR ${standInFor.trim()}`, standInFor.trim()],
      aliasScale,
      maxText,
    )
    if (text) {
      const size = measureText(text, aliasScale)
      alias = {
        text,
        x: margin + pad,
        y: margin + pad + titleSize.height + 2 * scale,
        scale: aliasScale,
        ...size,
      }
    }
  }
  const innerWidth = Math.max(titleSize.width, alias?.width ?? 0)
  const innerHeight = alias ? alias.y + alias.height - (margin + pad) : titleSize.height
  return {
    box: { x: margin, y: margin, width: innerWidth + 2 * pad, height: innerHeight + 2 * pad },
    scale,
    title: { x: margin + pad, y: margin + pad, ...titleSize },
    ...(alias ? { alias } : {}),
  }
}

/**
 * Stamps the preview label onto `image` in place: a translucent dark box in the top-left corner
 * with `PREVIEW` in near-white capitals and, when given, the alias the preview stands in for.
 */
export function stampPreviewLabel(image: RgbImage, standInFor?: string | null): PreviewLabelLayout {
  const layout = previewLabelLayout(image.width, image.height, standInFor)
  darkenBox(image, layout.box)
  drawText(image, PREVIEW_LABEL, layout.title.x, layout.title.y, layout.scale, LABEL_TEXT_COLOR)
  if (layout.alias) {
    const a = layout.alias
    drawText(image, a.text, a.x, a.y, a.scale, LABEL_ALIAS_COLOR)
  }
  return layout
}

function fitText(candidates: string[], scale: number, maxWidth: number): string | undefined {
  for (const candidate of candidates) {
    if (measureText(candidate, scale).width <= maxWidth) return candidate.toUpperCase()
  }
  const last = [...(candidates.at(-1) ?? '')]
  while (last.length > 1 && measureText(`${last.join('')}..`, scale).width > maxWidth) last.pop()
  const text = `${last.join('')}..`
  return last.length > 1 && measureText(text, scale).width <= maxWidth
    ? text.toUpperCase()
    : undefined
}

function darkenBox(image: RgbImage, box: PreviewLabelLayout['box']): void {
  const a = LABEL_BOX_OPACITY
  const x1 = Math.min(image.width, box.x + box.width)
  const y1 = Math.min(image.height, box.y + box.height)
  for (let y = Math.max(0, box.y); y < y1; y++) {
    for (let x = Math.max(0, box.x); x < x1; x++) {
      const i = (y * image.width + x) * 3
      for (let c = 0; c < 3; c++) {
        const value = image.data[i + c] ?? 0
        image.data[i + c] = Math.round(value * (1 - a) + (LABEL_BOX_COLOR[c] ?? 0) * a)
      }
    }
  }
}
