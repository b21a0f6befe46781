import { open } from 'node:fs/promises'
import {
  ProvenanceSchema,
  digitalSourceTypeUri,
  type Provenance,
} from '../../contracts/provenance.js'
import { PROVENANCE_FIELDS, digitalSourceTypeOf } from './xmp.js'

/**
 * Provenance in MP4 files (issue 16): ffmpeg metadata tags written as QuickTime `mdta` keys
 * (`-movflags use_metadata_tags`), which ffprobe and exiftool list by name:
 * `DigitalSourceType` (the IPTC URI), `Generator`, `GeneratorVersion`, `Stage`, `Model`,
 * `Provider`, `Prompt`, `NegativePrompt`, `Seed`, `JobKey`, `RunId`, `Source`, and a readable
 * `comment`. Values are passed as separate process arguments (no shell), UTF-8 as they are.
 */

/**
 * Provenance fields ↔ MP4 metadata keys: the XMP `kamui:` names, without `DigitalSourceType`
 * (written first, as the IPTC URI).
 */
const KEYS = PROVENANCE_FIELDS.filter(([field]) => field !== 'digital_source_type')

/** The `-movflags` value the provenance arguments set: the suite's `+faststart` plus the tags. */
export const PROVENANCE_MOVFLAGS = '+faststart+use_metadata_tags'

/**
 * ffmpeg output arguments that write `provenance` as metadata tags; empty when `provenance` is
 * null (nothing embedded). They hold a `-movflags` that replaces the suite's `+faststart`
 * (ffmpeg keeps the last `-movflags` of an output) with {@link PROVENANCE_MOVFLAGS}, so they go
 * after `H264_OUTPUT_ARGS`.
 */
export function provenanceMetadataArgs(provenance: Provenance | null): string[] {
  if (provenance === null) return []
  const p = ProvenanceSchema.parse(provenance)
  const tags: [string, string][] = [
    ['DigitalSourceType', digitalSourceTypeUri(p.digital_source_type)],
    ...KEYS.filter(([field]) => p[field] !== null).map(([field, key]): [string, string] => [
      key,
      String(p[field]),
    ]),
    [
      'comment',
      `${p.digital_source_type} made by ${p.model ?? 'no model'} with ${p.generator} ${p.generator_version}`,
    ],
  ]
  return [
    '-movflags',
    PROVENANCE_MOVFLAGS,
    ...tags.flatMap(([key, value]) => ['-metadata', `${key}=${value.replace(/\0/g, '')}`]),
  ]
}

/** Largest `moov` box read, bytes (64 MiB): the index of hours of video is far smaller. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024

interface Box {
  type: string
  /** Offset of the payload and its end. */
  start: number
  end: number
}

/** The boxes between `start` and `end` of `bytes`. */
function boxes(bytes: Buffer, start: number, end: number): Box[] {
  const out: Box[] = []
  let offset = start
  while (offset + 8 <= end) {
    let size = bytes.readUInt32BE(offset)
    let header = 8
    if (size === 1 && offset + 16 <= end) {
      size = Number(bytes.readBigUInt64BE(offset + 8))
      header = 16
    } else if (size === 0) size = end - offset
    if (size < header || offset + size > end) break
    out.push({
      type: bytes.toString('latin1', offset + 4, offset + 8),
      start: offset + header,
      end: offset + size,
    })
    offset += size
  }
  return out
}

/**
 * The `mdta` metadata tags of an MP4's `moov` box (`moov/udta/meta` or `moov/meta`): key →
 * UTF-8 value. Empty when it has none.
 */
export function readMoovTags(moov: Buffer): Record<string, string> {
  const tags: Record<string, string> = {}
  const top = boxes(moov, 0, moov.length)
  const candidates = [
    ...top.filter((b) => b.type === 'meta'),
    ...top
      .filter((b) => b.type === 'udta')
      .flatMap((u) => boxes(moov, u.start, u.end).filter((b) => b.type === 'meta')),
  ]
  for (const meta of candidates) {
    // `meta` is a full box in MP4 (version and flags first), a plain box in QuickTime.
    const fullBox = moov.readUInt32BE(meta.start) === 0
    const children = boxes(moov, meta.start + (fullBox ? 4 : 0), meta.end)
    const keysBox = children.find((b) => b.type === 'keys')
    const ilst = children.find((b) => b.type === 'ilst')
    if (!keysBox || !ilst) continue
    const names: string[] = []
    const count = moov.readUInt32BE(keysBox.start + 4)
    let offset = keysBox.start + 8
    for (let i = 0; i < count && offset + 8 <= keysBox.end; i++) {
      const size = moov.readUInt32BE(offset)
      if (size < 8) break
      names.push(moov.toString('utf8', offset + 8, offset + size))
      offset += size
    }
    for (const item of boxes(moov, ilst.start, ilst.end)) {
      const index = Buffer.from(item.type, 'latin1').readUInt32BE(0)
      const data = boxes(moov, item.start, item.end).find((b) => b.type === 'data')
      const name = names[index - 1]
      if (!data || name === undefined) continue
      tags[name] = moov.toString('utf8', data.start + 8, data.end)
    }
  }
  return tags
}

/**
 * The metadata tags of an MP4 file ({@link readMoovTags} of its `moov` box), reading only the
 * top-level box headers and the `moov` box. Empty when the file has no `moov` box or one larger
 * than 64 MiB.
 */
export async function readMp4Tags(file: string): Promise<Record<string, string>> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    const header = Buffer.alloc(16)
    let offset = 0
    while (offset + 8 <= size) {
      await handle.read(header, 0, 16, offset)
      let boxSize = header.readUInt32BE(0)
      let headerSize = 8
      if (boxSize === 1) {
        boxSize = Number(header.readBigUInt64BE(8))
        headerSize = 16
      } else if (boxSize === 0) boxSize = size - offset
      if (boxSize < headerSize) break
      if (header.toString('latin1', 4, 8) === 'moov') {
        const length = boxSize - headerSize
        if (length > MAX_MOOV_BYTES) return {}
        const moov = Buffer.alloc(length)
        await handle.read(moov, 0, length, offset + headerSize)
        return readMoovTags(moov)
      }
      offset += boxSize
    }
    return {}
  } finally {
    await handle.close()
  }
}

/**
 * The provenance in an MP4's metadata tags as {@link provenanceMetadataArgs} wrote it, or null
 * when the tags hold none or an incomplete record.
 */
export function provenanceFromTags(tags: Record<string, string>): Provenance | null {
  const type = digitalSourceTypeOf(tags['DigitalSourceType'] ?? '')
  if (!type) return null
  const record: Record<string, unknown> = { digital_source_type: type }
  for (const [field, key] of KEYS) {
    const value = tags[key]
    record[field] = value === undefined ? null : field === 'seed' ? Number(value) : value
  }
  const parsed = ProvenanceSchema.safeParse(record)
  return parsed.success ? parsed.data : null
}
