import { createHash } from 'node:crypto'
import type { Provenance } from '../../contracts/provenance.js'
import { loadSharp } from '../sharp.js'
import { embedPngXmp, isPng, readPngXmp, stripPngXmp } from './png-xmp.js'
import { buildXmp, parseXmp } from './xmp.js'

/**
 * Provenance in the images the suite writes (issue 16): XMP with the IPTC digital source type,
 * the generator, model, prompt, seed, job key and run id ({@link buildXmp}).
 */

/** JPEG quality of a JPEG re-encoded to carry XMP (sharp cannot add XMP without encoding). */
export const JPEG_REENCODE_QUALITY = 95

/**
 * `bytes` with `provenance` embedded as XMP, or `bytes` unchanged when `provenance` is null
 * (`embed-provenance: false`). PNG: an `iTXt` chunk is inserted without re-encoding (any
 * earlier XMP is replaced). JPEG and WebP: re-encoded by sharp with `withXmp` (JPEG at
 * quality {@link JPEG_REENCODE_QUALITY}, WebP lossless). Other formats are returned unchanged.
 *
 * @throws KamuiError GEN_002 when a PNG is malformed; sharp's error for an undecodable JPEG/WebP
 */
export async function embedImageProvenance(
  bytes: Buffer,
  provenance: Provenance | null,
): Promise<Buffer> {
  if (provenance === null) return bytes
  const xmp = buildXmp(provenance)
  if (isPng(bytes)) return embedPngXmp(bytes, xmp)
  const sharp = await loadSharp()
  const { format } = await sharp(bytes).metadata()
  if (format === 'jpeg')
    return sharp(bytes)
      .keepIccProfile()
      .withXmp(xmp)
      .jpeg({ quality: JPEG_REENCODE_QUALITY })
      .toBuffer()
  if (format === 'webp')
    return sharp(bytes).keepIccProfile().withXmp(xmp).webp({ lossless: true }).toBuffer()
  return bytes
}

/**
 * The XMP packet of an image (PNG read directly, other formats through sharp's `metadata()`),
 * or null when it has none or is not a readable image.
 */
export async function readImageXmp(bytes: Buffer): Promise<string | null> {
  if (isPng(bytes)) {
    try {
      return readPngXmp(bytes)
    } catch {
      return null
    }
  }
  try {
    const sharp = await loadSharp()
    const xmp = (await sharp(bytes).metadata()).xmp
    return xmp ? xmp.toString('utf8') : null
  } catch {
    return null
  }
}

/** The provenance embedded in an image by this suite, or null when it carries none. */
export async function readImageProvenance(bytes: Buffer): Promise<Provenance | null> {
  const xmp = await readImageXmp(bytes)
  return xmp === null ? null : parseXmp(xmp)
}

/**
 * SHA-256 (hex) of an image's content without its provenance: a PNG's bytes with the XMP
 * `iTXt` chunk removed (equal to the hash of the PNG as the model sent it), any other bytes
 * as they are. Cache keys use it, so that the run id in the XMP does not change them.
 */
export function contentSha256(bytes: Buffer): string {
  let content = bytes
  if (isPng(bytes)) {
    try {
      content = stripPngXmp(bytes)
    } catch {
      content = bytes
    }
  }
  return createHash('sha256').update(content).digest('hex')
}
