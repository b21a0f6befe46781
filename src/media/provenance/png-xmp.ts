import { inflateSync } from 'node:zlib'
import { KamuiError } from '../../core/errors.js'

/**
 * XMP in PNG files (ISO 16684-1 / XMP Specification Part 3 §1.1.5): one uncompressed `iTXt`
 * chunk with the keyword `XML:com.adobe.xmp`, the chunk sharp's `withXmp` and exiftool write.
 * The chunk is inserted right after `IHDR` by editing the chunk list, so the image data is not
 * re-encoded: removing the chunk again gives back the original bytes exactly
 * ({@link stripPngXmp}), which keeps content hashes (cache keys) independent of the run that
 * wrote a file.
 */

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
/** The keyword of the XMP `iTXt` chunk. */
export const XMP_KEYWORD = 'XML:com.adobe.xmp'

/** One chunk of a PNG: its type and where its bytes (length to CRC) lie. */
interface Chunk {
  type: string
  /** Offset of the length field. */
  start: number
  /** Offset after the CRC. */
  end: number
  /** Offset and length of the data. */
  dataStart: number
  dataLength: number
}

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(SIGNATURE)
}

/**
 * The chunks of a PNG, in order.
 *
 * @throws KamuiError GEN_002 when the bytes are not a PNG or a chunk runs past the end
 */
function chunksOf(png: Buffer): Chunk[] {
  if (!isPng(png)) throw new KamuiError('GEN_002', 'not a PNG file (signature missing).')
  const chunks: Chunk[] = []
  let offset = 8
  while (offset + 12 <= png.length) {
    const dataLength = png.readUInt32BE(offset)
    const end = offset + 12 + dataLength
    if (end > png.length)
      throw new KamuiError('GEN_002', 'PNG chunk runs past the end of the file.')
    const type = png.toString('latin1', offset + 4, offset + 8)
    chunks.push({ type, start: offset, end, dataStart: offset + 8, dataLength })
    offset = end
    if (type === 'IEND') break
  }
  if (chunks[0]?.type !== 'IHDR') throw new KamuiError('GEN_002', 'PNG file without IHDR chunk.')
  return chunks
}

function isXmpChunk(png: Buffer, chunk: Chunk): boolean {
  if (chunk.type !== 'iTXt') return false
  const keyword = Buffer.from(`${XMP_KEYWORD}\0`, 'latin1')
  return png.subarray(chunk.dataStart, chunk.dataStart + keyword.length).equals(keyword)
}

/**
 * `png` with its XMP replaced by `xmp` (any earlier XMP `iTXt` chunk is removed; the new one
 * follows `IHDR`). Pixels and every other chunk are kept byte for byte.
 *
 * @throws KamuiError GEN_002 when `png` is not a well-formed PNG
 */
export function embedPngXmp(png: Buffer, xmp: string): Buffer {
  const stripped = stripPngXmp(png)
  const ihdr = chunksOf(stripped)[0] as Chunk
  // iTXt: keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty
  // translated keyword + NUL, then the UTF-8 text.
  const data = Buffer.concat([
    Buffer.from(`${XMP_KEYWORD}\0`, 'latin1'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from(xmp, 'utf8'),
  ])
  const chunk = Buffer.alloc(12 + data.length)
  chunk.writeUInt32BE(data.length, 0)
  chunk.write('iTXt', 4, 'latin1')
  data.copy(chunk, 8)
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)), 8 + data.length)
  return Buffer.concat([stripped.subarray(0, ihdr.end), chunk, stripped.subarray(ihdr.end)])
}

/** `png` without its XMP `iTXt` chunks (the same bytes when it has none). */
export function stripPngXmp(png: Buffer): Buffer {
  const chunks = chunksOf(png)
  const xmp = chunks.filter((c) => isXmpChunk(png, c))
  if (xmp.length === 0) return png
  const parts: Buffer[] = [png.subarray(0, 8)]
  for (const chunk of chunks)
    if (!xmp.includes(chunk)) parts.push(png.subarray(chunk.start, chunk.end))
  const last = chunks[chunks.length - 1] as Chunk
  if (last.end < png.length) parts.push(png.subarray(last.end))
  return Buffer.concat(parts)
}

/**
 * The XMP text of a PNG's first XMP `iTXt` chunk (uncompressed or zlib-compressed), or null
 * when it has none.
 *
 * @throws KamuiError GEN_002 when `png` is not a well-formed PNG
 */
export function readPngXmp(png: Buffer): string | null {
  const chunk = chunksOf(png).find((c) => isXmpChunk(png, c))
  if (!chunk) return null
  const data = png.subarray(chunk.dataStart, chunk.dataStart + chunk.dataLength)
  let offset = XMP_KEYWORD.length + 1
  const compressed = data[offset] === 1
  offset += 2
  offset = data.indexOf(0, offset) + 1 // language tag
  offset = data.indexOf(0, offset) + 1 // translated keyword
  if (offset <= 0) return null
  const text = data.subarray(offset)
  return (compressed ? inflateSync(text) : text).toString('utf8')
}

let table: Uint32Array | undefined

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  let crc = 0xffffffff
  for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}
