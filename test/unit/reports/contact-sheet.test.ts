import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { renderPreviewImage } from '../../../src/media/preview/render.js'
import { cellPosition, renderContactSheet } from '../../../src/output/reports/contact-sheet.js'

/** Mean RGB of a square region of an image. */
async function meanColour(
  image: Buffer,
  left: number,
  top: number,
  size: number,
): Promise<number[]> {
  const { data, info } = await sharp(image)
    .extract({ left, top, width: size, height: size })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const sums = [0, 0, 0]
  for (let i = 0; i < data.length; i += info.channels)
    for (let c = 0; c < 3; c++) sums[c] = (sums[c] as number) + (data[i + c] as number)
  return sums.map((sum) => sum / (size * size))
}

describe('renderContactSheet', () => {
  it('puts every candidate in the grid, fitted, labelled, the primary framed', async () => {
    const sources = ['red roses', 'blue sea', 'green forest', 'golden desert', 'violet night'].map(
      (prompt, i) =>
        renderPreviewImage({
          prompt,
          seed: i,
          width: i === 4 ? 640 : 512,
          height: i === 4 ? 320 : 512,
        }).png,
    )
    const candidates = sources.map((image, i) => ({
      image,
      index: i + 1,
      attempt: 1,
      model: i % 2 ? 'flux-schnell' : 'imagen4-fast',
      score: i === 3 ? null : 0.5 + i / 10,
      primary: i === 2,
      kept: true,
    }))
    const sheet = await renderContactSheet(candidates, { cell: 128 })
    await writeFile(path.join(os.tmpdir(), 'kamui-contact-sheet-test.png'), sheet)
    const meta = await sharp(sheet).metadata()
    expect(meta.format).toBe('png')
    const columns = 3
    expect(meta.width).toBe(columns * (128 + 12) + 12)

    for (const [i, source] of sources.entries()) {
      const { left, top } = cellPosition(i, columns, 128)
      // The centre of each cell holds the source image, fitted into 128×128.
      const expected = await sharp(source)
        .resize(128, 128, { fit: 'contain', background: '#000' })
        .png()
        .toBuffer()
      const got = await meanColour(sheet, left + 48, top + 48, 32)
      const want = await meanColour(expected, 48, 48, 32)
      for (let c = 0; c < 3; c++)
        expect(Math.abs((got[c] as number) - (want[c] as number))).toBeLessThan(6)
    }
    // The primary (third candidate) has a yellow frame just outside its cell.
    const primary = cellPosition(2, columns, 128)
    const frame = await meanColour(sheet, primary.left - 5, primary.top + 60, 4)
    expect(frame[0]).toBeGreaterThan(200)
    expect(frame[2]).toBeLessThan(80)
    // A non-primary cell has no frame there.
    const other = cellPosition(1, columns, 128)
    expect((await meanColour(sheet, other.left - 5, other.top + 60, 4))[0]).toBeLessThan(60)
    // The label strip under each cell carries text (light pixels on the dark strip).
    const strip = await sharp(sheet)
      .extract({ left: other.left, top: other.top + 128, width: 128, height: 44 })
      .greyscale()
      .raw()
      .toBuffer()
    expect(Math.max(...strip)).toBeGreaterThan(200)
  })
})
