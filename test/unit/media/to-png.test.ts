import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { loadSharp } from '../../../src/media/sharp.js'
import { toPng } from '../../../src/media/to-png.js'

function solid(width: number, height: number): ReturnType<typeof sharp> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 90 } } })
}

async function failure(bytes: Uint8Array, options = {}): Promise<KamuiError> {
  const error = await toPng(bytes, options).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(KamuiError)
  return error as KamuiError
}

describe('toPng', () => {
  it.each([
    ['jpeg', () => solid(40, 30).jpeg().toBuffer()],
    ['webp', () => solid(40, 30).webp().toBuffer()],
    ['gif', () => solid(40, 30).gif().toBuffer()],
  ])('converts %s to PNG', async (format, make) => {
    const out = await toPng(new Uint8Array(await make()))
    expect(out).toMatchObject({ width: 40, height: 30, format })
    expect(out.png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    const meta = await sharp(out.png).metadata()
    expect(meta).toMatchObject({ format: 'png', width: 40, height: 30 })
  })

  it('passes a valid PNG through unchanged', async () => {
    const png = await solid(16, 8).png().toBuffer()
    const out = await toPng(png)
    expect(out).toMatchObject({ width: 16, height: 8, format: 'png' })
    expect(out.png.equals(png)).toBe(true)
  })

  it('refuses bytes that are not an image, saying what they look like', async () => {
    const html = await failure(
      new TextEncoder().encode('<!DOCTYPE html><html><body>Expired</body></html>'),
    )
    expect(html.code).toBe('GEN_002')
    expect(html.message).toMatch(
      /the model returned 48 bytes that are not an image \(looks like an HTML page\)/,
    )
    expect((await failure(new TextEncoder().encode('{"error": "quota"}'))).message).toContain(
      'looks like JSON',
    )
    expect((await failure(new Uint8Array([0, 1, 2, 3, 250, 251, 252, 253, 9]))).message).toContain(
      'unknown format, first bytes 00 01 02 03 fa fb fc fd',
    )
    expect((await failure(new Uint8Array(0))).message).toContain('(empty)')
  })

  it('refuses a truncated PNG and an image above maxPixels', async () => {
    const png = await solid(64, 64).png({ compressionLevel: 0 }).toBuffer()
    expect((await failure(png.subarray(0, png.length - 200))).code).toBe('GEN_002')
    const big = await failure(png, { maxPixels: 1000 })
    expect(big.message).toContain('64×64 image, above the limit of 1000 pixels')
  })

  it('loads sharp once', async () => {
    expect(await loadSharp()).toBe(await loadSharp())
  })
})
