import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import {
  FONT_5X7,
  GLYPH_HEIGHT,
  GLYPH_SPACING,
  GLYPH_WIDTH,
} from '../../../src/media/raster/font.js'
import {
  LABEL_TEXT_COLOR,
  PREVIEW_LABEL,
  previewLabelLayout,
} from '../../../src/media/preview/label.js'
import { renderPreviewImage } from '../../../src/media/preview/render.js'

async function raw(
  png: Buffer,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height, channels: info.channels }
}

function meanColour(data: Buffer, channels: number): [number, number, number] {
  const sum = [0, 0, 0]
  for (let i = 0; i < data.length; i += channels) {
    for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (data[i + c] ?? 0)
  }
  const n = data.length / channels
  return [(sum[0] ?? 0) / n, (sum[1] ?? 0) / n, (sum[2] ?? 0) / n]
}

describe('renderPreviewImage', () => {
  const base = { prompt: 'a red fox in a snowy forest at dawn', seed: 7, width: 256, height: 192 }

  it('gives identical bytes for identical inputs', () => {
    const a = renderPreviewImage(base)
    const b = renderPreviewImage({ ...base })
    expect(a.png.equals(b.png)).toBe(true)
    const c = renderPreviewImage({ ...base, standInFor: 'imagen4-fast' })
    expect(c.png.equals(renderPreviewImage({ ...base, standInFor: 'imagen4-fast' }).png)).toBe(true)
  })

  it('renders a real PNG of the requested size', async () => {
    const { png, width, height } = renderPreviewImage({ ...base, width: 320, height: 200 })
    expect([width, height]).toEqual([320, 200])
    expect(
      png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
    ).toBe(true)
    const meta = await sharp(png).metadata()
    expect(meta).toMatchObject({ format: 'png', width: 320, height: 200, channels: 3 })
  })

  it('looks clearly different for different prompts, and the seed moves the composition', async () => {
    const fox = await raw(renderPreviewImage(base).png)
    const city = await raw(
      renderPreviewImage({ ...base, prompt: 'cyberpunk city at night, neon rain' }).png,
    )
    const reseeded = await raw(renderPreviewImage({ ...base, seed: 8 }).png)

    const [r1, g1, b1] = meanColour(fox.data, fox.channels)
    const [r2, g2, b2] = meanColour(city.data, city.channels)
    expect(Math.hypot(r1 - r2, g1 - g2, b1 - b2)).toBeGreaterThan(10)

    const meanAbsDiff = (a: Buffer, b: Buffer): number => {
      let sum = 0
      for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0))
      return sum / a.length
    }
    expect(meanAbsDiff(fox.data, city.data)).toBeGreaterThan(20)
    expect(meanAbsDiff(fox.data, reseeded.data)).toBeGreaterThan(5)
  })

  it('is a well-exposed, detailed picture, not a flat fill', async () => {
    for (const prompt of [
      'portrait of an old sailor',
      'anime girl with umbrella',
      'minimalist white room',
    ]) {
      const { png } = renderPreviewImage({ prompt, seed: 0, width: 256, height: 256 })
      const stats = await sharp(png).stats()
      expect(stats.entropy).toBeGreaterThan(5)
      for (const channel of stats.channels.slice(0, 3)) expect(channel.stdev).toBeGreaterThan(15)
      const grey = await sharp(png).greyscale().raw().toBuffer()
      let sum = 0
      let clipped = 0
      for (const v of grey) {
        sum += v
        if (v <= 2 || v >= 253) clipped++
      }
      const mean = sum / grey.length
      expect(mean).toBeGreaterThan(80)
      expect(mean).toBeLessThan(175)
      expect(clipped / grey.length).toBeLessThan(0.01)
    }
  })

  it('stamps a readable PREVIEW label in the top-left corner', async () => {
    const width = 512
    const height = 512
    const img = await raw(
      renderPreviewImage({ ...base, width, height, standInFor: 'flux-schnell' }).png,
    )
    const layout = previewLabelLayout(width, height, 'flux-schnell')
    expect(layout.alias?.text).toBe('STAND-IN FOR FLUX-SCHNELL')
    const pixel = (x: number, y: number): number[] => {
      const i = (y * img.width + x) * img.channels
      return [img.data[i] ?? -1, img.data[i + 1] ?? -1, img.data[i + 2] ?? -1]
    }
    // Every inked font pixel of "PREVIEW" is text-coloured, every blank one is not.
    const s = layout.scale
    let inked = 0
    ;[...PREVIEW_LABEL].forEach((char, k) => {
      const rows = FONT_5X7[char] ?? []
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        for (let col = 0; col < GLYPH_WIDTH; col++) {
          const x =
            layout.title.x + k * (GLYPH_WIDTH + GLYPH_SPACING) * s + col * s + Math.floor(s / 2)
          const y = layout.title.y + row * s + Math.floor(s / 2)
          const isInk = rows[row]?.[col] === '#'
          if (isInk) inked++
          if (isInk) expect(pixel(x, y)).toEqual([...LABEL_TEXT_COLOR])
          else expect(pixel(x, y)).not.toEqual([...LABEL_TEXT_COLOR])
        }
      }
    })
    expect(inked).toBeGreaterThan(80)
    // The box behind it is dark, so the label stands out.
    const [bx, by] = [layout.box.x + 1, layout.box.y + 1]
    expect(pixel(bx, by).reduce((a, b) => a + b, 0) / 3).toBeLessThan(90)
  })

  it('rejects sizes it cannot render', () => {
    expect(() => renderPreviewImage({ ...base, width: 0 })).toThrow(RangeError)
    expect(() => renderPreviewImage({ ...base, height: 10.5 })).toThrow(RangeError)
    expect(() => renderPreviewImage({ ...base, seed: Number.NaN })).toThrow(RangeError)
  })
})
