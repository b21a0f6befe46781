import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import { loadSharp } from '../../media/sharp.js'

/** Width of a gallery thumbnail, px (twice the gallery's 240 px column for sharp screens). */
export const THUMBNAIL_WIDTH = 480

/** Largest image a thumbnail is made from, pixels (decoding stops above it). */
const MAX_INPUT_PIXELS = 64 * 1024 * 1024

/** A written thumbnail. */
export interface Thumbnail {
  width: number
  height: number
  bytes: number
}

/**
 * Writes a WebP thumbnail of `source` to `target` with sharp: at most {@link THUMBNAIL_WIDTH} px
 * wide (never enlarged), aspect ratio kept, quality 78, metadata left out except the source's
 * XMP (its provenance, about 2 KB). The gallery shows it
 * with `loading="lazy"` and links the full image.
 *
 * @throws KamuiError WEB_001 when the image cannot be decoded or is over 64 Mpx
 */
export async function writeThumbnail(source: string, target: string): Promise<Thumbnail> {
  const sharp = await loadSharp()
  try {
    const { data, info } = await sharp(source, { limitInputPixels: MAX_INPUT_PIXELS })
      .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
      // The source's provenance XMP travels with the thumbnail (issue 16, docs/provenance.md).
      .keepXmp()
      .webp({ quality: 78 })
      .toBuffer({ resolveWithObject: true })
    await writeFileAtomic(target, data)
    return { width: info.width, height: info.height, bytes: data.length }
  } catch (error) {
    throw new KamuiError(
      'WEB_001',
      `Cannot make a thumbnail of ${path.basename(source)}: ${(error as Error).message}`,
      { cause: error },
    )
  }
}
