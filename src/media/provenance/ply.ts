import {
  ProvenanceSchema,
  digitalSourceTypeUri,
  type Provenance,
} from '../../contracts/provenance.js'
import { PROVENANCE_FIELDS as NAMES, digitalSourceTypeOf } from './xmp.js'

/**
 * Provenance in PLY headers (issue 16): one `comment kamui:<Name> <value>` line per field, the
 * value as a JSON string with every non-ASCII character escaped (`\uXXXX`), so that the header
 * stays ASCII and one line whatever the prompt holds: `comment kamui:Source "cpu:depth-anything"`.
 * The digital source type is written as its IPTC URI.
 */

/** `text` as a JSON string literal with only printable ASCII characters. */
function asciiJson(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  )
}

/**
 * The `comment` texts (without the `comment ` keyword, as `encodePly` takes them) that carry
 * `provenance`; empty when it is null (nothing embedded).
 */
export function provenancePlyComments(provenance: Provenance | null): string[] {
  if (provenance === null) return []
  const p = ProvenanceSchema.parse(provenance)
  return NAMES.filter(([field]) => p[field] !== null).map(([field, name]) => {
    const value =
      field === 'digital_source_type'
        ? digitalSourceTypeUri(p.digital_source_type)
        : String(p[field])
    return `kamui:${name} ${asciiJson(value)}`
  })
}

/** The header of a PLY file (up to `end_header`, at most 64 KiB), or null when there is none. */
export function plyHeader(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 65536).toString('latin1')
  if (!head.startsWith('ply')) return null
  const end = head.indexOf('end_header')
  return end < 0 ? null : head.slice(0, end)
}

/** The provenance in a PLY header's `kamui:` comments, or null when it holds none or an incomplete record. */
export function readPlyProvenance(bytes: Buffer): Provenance | null {
  const header = plyHeader(bytes)
  if (header === null) return null
  const values = new Map<string, string>()
  for (const line of header.split(/\r?\n/)) {
    const match = /^comment kamui:(\w+) (".*")\s*$/.exec(line)
    if (!match) continue
    try {
      values.set(match[1] as string, JSON.parse(match[2] as string) as string)
    } catch {
      return null
    }
  }
  const type = digitalSourceTypeOf(values.get('DigitalSourceType') ?? '')
  if (!type) return null
  const record: Record<string, unknown> = { digital_source_type: type }
  for (const [field, name] of NAMES.slice(1)) {
    const value = values.get(name)
    record[field] = value === undefined ? null : field === 'seed' ? Number(value) : value
  }
  const parsed = ProvenanceSchema.safeParse(record)
  return parsed.success ? parsed.data : null
}
