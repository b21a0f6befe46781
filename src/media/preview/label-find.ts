import { drawText, measureText } from '../raster/font.js'
import { createRgbImage, type RgbImage } from '../raster/rgb-image.js'
import {
  LABEL_ALIAS_COLOR,
  LABEL_TEXT_COLOR,
  PREVIEW_LABEL,
  previewLabelLayout,
  type PreviewLabelLayout,
} from './label.js'

/**
 * Finds the preview label that {@link stampPreviewLabel} drew on `image`: the `PREVIEW` title is
 * where the layout puts it, every pixel of its glyphs exactly {@link LABEL_TEXT_COLOR} (PNG is
 * lossless). The box is then sized from the title and, when the stand-in line is there (pixels
 * exactly {@link LABEL_ALIAS_COLOR} on its rows), from that line's rightmost pixel plus one font
 * pixel.
 *
 * @returns the label's box in pixels, or undefined when the image carries no label
 */
export function findPreviewLabel(image: RgbImage): PreviewLabelLayout['box'] | undefined {
  const { width, height, data } = image
  const layout = previewLabelLayout(width, height)
  const { title, scale } = layout
  if (title.x + title.width > width || title.y + title.height > height) return undefined
  const glyphs = createRgbImage(title.width, title.height)
  drawText(glyphs, PREVIEW_LABEL, 0, 0, scale, [255, 255, 255])
  let on = 0
  for (let y = 0; y < title.height; y++) {
    for (let x = 0; x < title.width; x++) {
      if (glyphs.data[(y * title.width + x) * 3] !== 255) continue
      on++
      const i = ((title.y + y) * width + title.x + x) * 3
      if (!LABEL_TEXT_COLOR.every((v, c) => data[i + c] === v)) return undefined
    }
  }
  if (on === 0) return undefined
  const aliasScale = Math.max(1, Math.round(scale / 2))
  const aliasY = title.y + title.height + 2 * scale
  const aliasHeight = measureText('A', aliasScale).height
  let aliasRight: number | undefined
  for (let y = aliasY; y < Math.min(height, aliasY + aliasHeight); y++) {
    for (let x = width - 1; x >= title.x && x > (aliasRight ?? -1); x--) {
      const i = (y * width + x) * 3
      if (LABEL_ALIAS_COLOR.every((v, c) => data[i + c] === v)) aliasRight = x
    }
  }
  const pad = 2 * scale
  const innerWidth = Math.max(
    title.width,
    aliasRight === undefined ? 0 : aliasRight - title.x + 1 + aliasScale,
  )
  const innerHeight = aliasRight === undefined ? title.height : aliasY + aliasHeight - title.y
  return {
    x: layout.box.x,
    y: layout.box.y,
    width: innerWidth + 2 * pad,
    height: innerHeight + 2 * pad,
  }
}

/**
 * A copy of `image` without its preview label, for what is computed from the picture (the
 * preview depth): the label's box is filled, column by column, with the pixel just below it, so
 * that the stamp's dark box and letters leave no mark. The image itself is returned when it
 * carries no label.
 */
export function withoutPreviewLabel(image: RgbImage): RgbImage {
  const box = findPreviewLabel(image)
  if (box === undefined) return image
  const { width, height } = image
  const data = Uint8Array.from(image.data)
  const below = Math.min(height - 1, box.y + box.height)
  const x1 = Math.min(width, box.x + box.width)
  for (let y = box.y; y < Math.min(height, box.y + box.height); y++) {
    for (let x = box.x; x < x1; x++) {
      const to = (y * width + x) * 3
      const from = (below * width + x) * 3
      data[to] = data[from] as number
      data[to + 1] = data[from + 1] as number
      data[to + 2] = data[from + 2] as number
    }
  }
  return { width, height, data }
}
