import { readFile } from 'node:fs/promises'
import { KamuiError } from '../../core/errors.js'
import { loadSharp } from '../sharp.js'
import { toPng } from '../to-png.js'
import type { RgbImage } from '../raster/rgb-image.js'

/** An input image decoded for the point cloud. */
export interface LoadedImage {
  /** 8-bit RGB pixels (EXIF orientation applied, alpha flattened over black). */
  rgb: RgbImage
  /** The image as PNG (for depth tools), EXIF orientation applied. */
  png: Buffer
}

/**
 * Reads an image file (any format sharp reads) as RGB pixels and as PNG.
 *
 * @param shown the path as the user gave it, for messages
 * @throws KamuiError CFG_001 when the file is missing or not a readable image
 */
export async function loadRgbImage(file: string, shown: string): Promise<LoadedImage> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new KamuiError(
      'CFG_001',
      `input-image-path "${shown}" ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}.`,
      { cause: error },
    )
  }
  try {
    const png = await toPng(bytes)
    const sharp = await loadSharp()
    const { data, info } = await sharp(png.png)
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`)
    return {
      rgb: {
        width: info.width,
        height: info.height,
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      },
      png: png.png,
    }
  } catch (error) {
    throw new KamuiError(
      'CFG_001',
      `input-image-path "${shown}" is not a readable image (${(error as Error).message}).`,
      {
        cause: error,
      },
    )
  }
}
