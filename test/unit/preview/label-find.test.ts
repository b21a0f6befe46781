import { describe, expect, it } from 'vitest'
import { luma709 } from '../../../src/media/pointcloud/luma.js'
import { previewLabelLayout } from '../../../src/media/preview/label.js'
import { findPreviewLabel, withoutPreviewLabel } from '../../../src/media/preview/label-find.js'
import { renderPreviewRgb } from '../../../src/media/preview/render.js'
import {
  PREVIEW_DEPTH_GRADIENT_WEIGHT as W,
  previewDepth,
} from '../../../src/providers/preview/tools/depth.js'

describe('the preview label is kept out of the preview depth (issue 16 §4)', () => {
  it('finds the label box of a preview image, with and without the stand-in line', () => {
    for (const [size, alias] of [
      [[1024, 1024], 'imagen4-fast'],
      [[640, 360], null],
      [[128, 128], 'flux-schnell'],
    ] as const) {
      const [w, h] = size
      const image = renderPreviewRgb({
        prompt: 'Roses',
        seed: 3,
        width: w,
        height: h,
        standInFor: alias,
      })
      const drawn = previewLabelLayout(w, h, alias).box
      const found = findPreviewLabel(image)
      expect(found?.x).toBe(drawn.x)
      expect(found?.y).toBe(drawn.y)
      expect(found?.height).toBe(drawn.height)
      // The stand-in line's last glyph column may end in blank font pixels: at most one font
      // pixel more than the drawn box, never less.
      expect(found?.width).toBeGreaterThanOrEqual(drawn.width)
      expect((found?.width ?? 0) - drawn.width).toBeLessThanOrEqual(
        Math.max(1, Math.round(previewLabelLayout(w, h).scale / 2)),
      )
    }
  })

  it('leaves a picture without the label as it is', () => {
    const image = renderPreviewRgb({ prompt: 'Roses', seed: 3, width: 200, height: 120 })
    const plain = withoutPreviewLabel(image)
    const box = previewLabelLayout(200, 120).box
    // Paint over the title: no longer a label.
    for (let y = box.y; y < box.y + box.height; y++)
      for (let x = box.x; x < box.x + box.width; x++)
        plain.data.fill(90, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3)
    expect(findPreviewLabel(plain)).toBeUndefined()
    expect(withoutPreviewLabel(plain)).toBe(plain)
  })

  it('gives the label box the depth of the row below it: no dent and no letters in the geometry', () => {
    const [w, h] = [512, 512]
    const image = renderPreviewRgb({
      prompt: 'Roses',
      seed: 5,
      width: w,
      height: h,
      standInFor: 'imagen4-fast',
    })
    const box = findPreviewLabel(image)
    if (!box) throw new Error('no label found')
    const depth = previewDepth(image)
    const below = box.y + box.height
    for (let y = box.y; y < below; y++) {
      for (let x = box.x; x < box.x + box.width; x++) {
        const i = (below * w + x) * 3
        const expected =
          W * (y / (h - 1)) +
          (1 - W) *
            luma709(
              image.data[i] as number,
              image.data[i + 1] as number,
              image.data[i + 2] as number,
            )
        expect(depth.values[y * w + x]).toBeCloseTo(expected, 5)
      }
    }
    // Outside the box the picture's own brightness is used.
    const x = box.x + box.width + 5
    const y = box.y + 1
    const j = (y * w + x) * 3
    expect(depth.values[y * w + x]).toBeCloseTo(
      W * (y / (h - 1)) +
        (1 - W) *
          luma709(
            image.data[j] as number,
            image.data[j + 1] as number,
            image.data[j + 2] as number,
          ),
      5,
    )
  })
})
