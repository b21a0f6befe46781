import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { previewImageArgsShape, resolvePreviewSize } from '../../../src/providers/preview/args.js'
import { FONT_5X7, GLYPH_HEIGHT, GLYPH_WIDTH, measureText } from '../../../src/media/raster/font.js'

describe('resolvePreviewSize', () => {
  it('defaults to 1024 px on the longest side', () => {
    expect(resolvePreviewSize({})).toEqual({ width: 1024, height: 1024 })
    expect(resolvePreviewSize({ aspect_ratio: '16:9' })).toEqual({ width: 1024, height: 576 })
    expect(resolvePreviewSize({ aspect_ratio: '9:16' })).toEqual({ width: 576, height: 1024 })
    expect(resolvePreviewSize({ aspect_ratio: '4:3' })).toEqual({ width: 1024, height: 768 })
    expect(resolvePreviewSize({ aspect_ratio: '3:4' })).toEqual({ width: 768, height: 1024 })
  })

  it('keeps given sides and derives a missing one from the aspect ratio', () => {
    expect(resolvePreviewSize({ width: 300, height: 200, aspect_ratio: '9:16' })).toEqual({
      width: 300,
      height: 200,
    })
    expect(resolvePreviewSize({ width: 640 })).toEqual({ width: 640, height: 640 })
    expect(resolvePreviewSize({ width: 640, aspect_ratio: '16:9' })).toEqual({
      width: 640,
      height: 360,
    })
    expect(resolvePreviewSize({ height: 4096, aspect_ratio: '16:9' })).toEqual({
      width: 4096,
      height: 4096,
    })
  })
})

describe('preview tool arguments', () => {
  const schema = z.object(previewImageArgsShape)
  it('requires a non-blank prompt and sides of 64–4096 px', () => {
    expect(schema.safeParse({ prompt: 'x' }).success).toBe(true)
    expect(schema.safeParse({ prompt: '   ' }).success).toBe(false)
    expect(schema.safeParse({}).success).toBe(false)
    expect(schema.safeParse({ prompt: 'x', width: 63 }).success).toBe(false)
    expect(schema.safeParse({ prompt: 'x', height: 4097 }).success).toBe(false)
    expect(schema.safeParse({ prompt: 'x', seed: 1.5 }).success).toBe(false)
    expect(schema.safeParse({ prompt: 'x', aspect_ratio: '2:1' }).success).toBe(false)
  })
})

describe('5×7 font', () => {
  it('has well-formed glyphs for letters, digits and the label symbols', () => {
    for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -._:/()')
      expect(FONT_5X7[char]).toBeDefined()
    for (const rows of Object.values(FONT_5X7)) {
      expect(rows).toHaveLength(GLYPH_HEIGHT)
      for (const row of rows) expect(row).toMatch(new RegExp(`^[#.]{${GLYPH_WIDTH}}$`))
    }
    expect(measureText('PREVIEW', 3)).toEqual({ width: (7 * 6 - 1) * 3, height: 21 })
  })
})
