import { PNG } from 'pngjs'
import { KamuiError } from '../../core/errors.js'
import type { RgbImage } from '../raster/rgb-image.js'

/**
 * Decodes PNG bytes into an 8-bit RGB raster with pngjs (pure JavaScript, so it works inside
 * the bundled preview server, which cannot load sharp). 16-bit PNGs are scaled to 8 bits; an
 * alpha channel is composited over black.
 *
 * @throws KamuiError GEN_002 when the bytes are not a readable PNG
 */
export function decodePngRgb(bytes: Uint8Array, what = 'the image'): RgbImage {
  let png: PNG
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch (error) {
    throw new KamuiError(
      'GEN_002',
      `${what} is not a readable PNG (${(error as Error).message}).`,
      {
        cause: error,
      },
    )
  }
  const { width, height } = png
  const data = new Uint8Array(width * height * 3)
  for (let i = 0, o = 0; i < png.data.length; i += 4, o += 3) {
    const alpha = (png.data[i + 3] as number) / 255
    data[o] = Math.round((png.data[i] as number) * alpha)
    data[o + 1] = Math.round((png.data[i + 1] as number) * alpha)
    data[o + 2] = Math.round((png.data[i + 2] as number) * alpha)
  }
  return { width, height, data }
}
