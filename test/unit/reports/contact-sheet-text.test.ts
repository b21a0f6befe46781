import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { renderPreviewImage } from '../../../src/media/preview/render.js'
import { renderText } from '../../../src/media/raster/text.js'
import {
  PROMPT_SIZE_PX,
  cellPosition,
  renderContactSheet,
} from '../../../src/output/reports/contact-sheet.js'

/**
 * Issue 16: the contact sheet's text is drawn with a real font (Noto Sans JP): the prompt of a
 * Japanese run shows its characters, checked pixel by pixel against a rendering of the same
 * text, and the labels give number, score and model in lowercase as written.
 */

const BACKGROUND = { r: 24, g: 24, b: 28 }
const GAP = 12

/** `text` rendered as the sheet renders the prompt, flattened on the sheet's background: raw RGB. */
async function reference(text: string): Promise<{ data: Buffer; width: number; height: number }> {
  const rendered = await renderText(text, {
    sizePx: PROMPT_SIZE_PX,
    color: '#ececf0',
    maxWidth: 10_000,
  })
  const { data, info } = await sharp(rendered!.png)
    .flatten({ background: BACKGROUND })
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

/** Mean absolute difference per channel between a sheet region and a reference. */
async function difference(
  sheet: Buffer,
  ref: { data: Buffer; width: number; height: number },
): Promise<number> {
  const region = await sharp(sheet)
    .extract({ left: GAP, top: GAP, width: ref.width, height: ref.height })
    .removeAlpha()
    .raw()
    .toBuffer()
  let sum = 0
  for (let i = 0; i < region.length; i++)
    sum += Math.abs((region[i] as number) - (ref.data[i] as number))
  return sum / region.length
}

/** Share of pixels that are text (brighter than the background by 60 levels) in a grey buffer. */
function inked(grey: Buffer): number {
  return grey.filter((v) => v > BACKGROUND.r + 60).length / grey.length
}

describe('contact sheet text', () => {
  const prompt = '夕焼けの灯台と静かな海'
  const candidates = ['imagen4-fast', 'flux-schnell'].map((model, i) => ({
    image: renderPreviewImage({ prompt: 'sea', seed: i, width: 256, height: 256 }).png,
    index: i + 1,
    attempt: 1,
    model,
    score: i ? null : 0.87,
    primary: i === 0,
    kept: true,
  }))

  it('shows a Japanese prompt as written (pixel region against a rendering of the same text)', async () => {
    const sheet = await renderContactSheet(candidates, { prompt, cell: 256 })
    await writeFile(path.join(os.tmpdir(), 'kamui-contact-sheet-japanese.png'), sheet)
    const same = await difference(sheet, await reference(prompt))
    // Another text of the same length and script must not match: the comparison can fail.
    const other = await difference(sheet, await reference('朝焼けの鉄塔と静かな山'))
    expect(same).toBeLessThan(1)
    expect(other).toBeGreaterThan(5 * Math.max(same, 1))
    // The glyphs are real: two different Japanese strings render differently (no tofu boxes).
    const a = await reference('夕焼け')
    const b = await reference('灯台海')
    expect(a.data.equals(b.data)).toBe(false)
    expect(
      inked(
        await sharp(a.data, { raw: { width: a.width, height: a.height, channels: 3 } })
          .greyscale()
          .raw()
          .toBuffer(),
      ),
    ).toBeGreaterThan(0.05)
  })

  it('puts number, score and the lowercase model name in each label strip', async () => {
    const sheet = await renderContactSheet(candidates, { prompt, cell: 256 })
    const { left, top } = cellPosition(1, 2, 256, true)
    const strip = await sharp(sheet)
      .extract({ left, top: top + 256, width: 256, height: 44 })
      .raw()
      .toBuffer({ resolveWithObject: true })
    // The second line of the strip is the model name in the sheet's dim text colour.
    const model = await renderText('flux-schnell', { sizePx: 13, color: '#9696a0', maxWidth: 248 })
    const { data: ref, info } = await sharp(model!.png)
      .flatten({ background: { r: 36, g: 36, b: 42 } })
      .raw()
      .toBuffer({ resolveWithObject: true })
    let diff = 0
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++)
        for (let c = 0; c < 3; c++)
          diff += Math.abs(
            (strip.data[((23 + y) * 256 + 4 + x) * 3 + c] as number) -
              (ref[(y * info.width + x) * 3 + c] as number),
          )
    expect(diff / (info.width * info.height * 3)).toBeLessThan(1)
  })

  it('has no prompt box without a prompt (the grid starts at the top)', async () => {
    const sheet = await renderContactSheet(candidates, { cell: 128 })
    const meta = await sharp(sheet).metadata()
    expect(meta.height).toBe(12 + 128 + 44 + 12)
    expect(cellPosition(0, 2, 128)).toEqual({ left: 12, top: 12 })
  })
})
