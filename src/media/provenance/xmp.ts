import {
  DIGITAL_SOURCE_TYPE_BASE,
  DIGITAL_SOURCE_TYPES,
  ProvenanceSchema,
  digitalSourceTypeUri,
  type DigitalSourceType,
  type Provenance,
} from '../../contracts/provenance.js'

/**
 * The XMP packet of a file's provenance (issue 16). One `rdf:Description` whose properties are
 * written as attributes (the compact RDF form every XMP reader accepts):
 *
 * - standard properties that exiftool and image tools show by name:
 *   `Iptc4xmpExt:DigitalSourceType` (the IPTC URI), `Iptc4xmpExt:AISystemUsed` (model alias),
 *   `Iptc4xmpExt:AIPromptInformation` (prompt; IPTC Photo Metadata 2023.2),
 *   `xmp:CreatorTool` (`kamui-media-actions <version>`);
 * - every field of {@link Provenance} under the suite's own namespace {@link KAMUI_XMP_NS}
 *   (`kamui:Model`, `kamui:Prompt`, `kamui:Seed`, `kamui:RunId`, …), which {@link parseXmp}
 *   reads back exactly.
 *
 * Values are XML-escaped (`& < > "`, and line breaks and tabs as character references so that
 * attribute normalisation keeps them); characters XML 1.0 cannot carry (C0 controls other than
 * tab and line breaks, lone surrogates, U+FFFE/U+FFFF) are replaced with U+FFFD.
 */

/** Namespace of the suite's XMP properties. */
export const KAMUI_XMP_NS = 'https://github.com/nyukicorn/kamui-media-actions/ns/provenance/1.0/'

const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  Iptc4xmpExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  kamui: KAMUI_XMP_NS,
} as const

/**
 * Provenance fields ↔ `kamui:` property names (also the PLY header's comment names, see
 * `ply.ts`), in the order they are written.
 */
export const PROVENANCE_FIELDS: readonly [keyof Provenance, string][] = [
  ['digital_source_type', 'DigitalSourceType'],
  ['generator', 'Generator'],
  ['generator_version', 'GeneratorVersion'],
  ['stage', 'Stage'],
  ['model', 'Model'],
  ['provider', 'Provider'],
  ['prompt', 'Prompt'],
  ['negative_prompt', 'NegativePrompt'],
  ['seed', 'Seed'],
  ['job_key', 'JobKey'],
  ['run_id', 'RunId'],
  ['source', 'Source'],
]

/** `text` made safe for XML 1.0 and escaped for a double-quoted attribute value. */
export function escapeXmlAttribute(text: string): string {
  return sanitizeXmlText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;')
}

/** Characters XML 1.0 cannot carry replaced with U+FFFD. */
export function sanitizeXmlText(text: string): string {
  let out = ''
  for (const char of text) {
    const code = char.codePointAt(0) as number
    const allowed =
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000
    out += allowed ? char : '\uFFFD'
  }
  return out
}

/** The XMP packet (UTF-8 text, with the `<?xpacket?>` wrapper) of `provenance`. */
export function buildXmp(provenance: Provenance): string {
  const p = ProvenanceSchema.parse(provenance)
  const attributes: [string, string][] = [
    ['Iptc4xmpExt:DigitalSourceType', digitalSourceTypeUri(p.digital_source_type)],
    ['xmp:CreatorTool', `${p.generator} ${p.generator_version}`],
  ]
  if (p.model !== null) attributes.push(['Iptc4xmpExt:AISystemUsed', p.model])
  if (p.prompt !== null) attributes.push(['Iptc4xmpExt:AIPromptInformation', p.prompt])
  for (const [field, name] of PROVENANCE_FIELDS) {
    const value = p[field]
    if (value !== null) attributes.push([`kamui:${name}`, String(value)])
  }
  const namespaces = (['xmp', 'Iptc4xmpExt', 'kamui'] as const)
    .map((prefix) => `\n      xmlns:${prefix}="${NS[prefix]}"`)
    .join('')
  const props = attributes
    .map(([name, value]) => `\n      ${name}="${escapeXmlAttribute(value)}"`)
    .join('')
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n` +
    `<x:xmpmeta xmlns:x="${NS.x}">\n` +
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">\n` +
    `  <rdf:Description rdf:about=""${namespaces}${props}/>\n` +
    ` </rdf:RDF>\n` +
    `</x:xmpmeta>\n` +
    `<?xpacket end="w"?>`
  )
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
}

/** Reverses XML escaping: the five named entities and decimal or hex character references. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return String.fromCodePoint(parseInt(ref.slice(2), 16))
    if (ref.startsWith('#')) return String.fromCodePoint(parseInt(ref.slice(1), 10))
    return ENTITIES[ref] ?? whole
  })
}

/**
 * The `kamui:` provenance of an XMP packet written by {@link buildXmp} (attribute form), or
 * null when the packet holds none or an incomplete or malformed one. Properties of other
 * namespaces are ignored; a prefix bound to another URI than {@link KAMUI_XMP_NS} is not read.
 */
export function parseXmp(xml: string): Provenance | null {
  const prefix = /xmlns:([A-Za-z_][\w.-]*)="([^"]*)"/g
  let kamuiPrefix: string | undefined
  for (const match of xml.matchAll(prefix)) {
    if (match[2] === KAMUI_XMP_NS) kamuiPrefix = match[1]
  }
  if (!kamuiPrefix) return null
  const values = new Map<string, string>()
  const attribute = new RegExp(`\\s${kamuiPrefix.replace(/\./g, '\\.')}:(\\w+)="([^"]*)"`, 'g')
  for (const match of xml.matchAll(attribute))
    values.set(match[1] as string, unescapeXml(match[2] ?? ''))
  const record: Record<string, unknown> = {}
  for (const [field, name] of PROVENANCE_FIELDS) {
    const value = values.get(name)
    record[field] = value === undefined ? null : field === 'seed' ? Number(value) : value
  }
  const parsed = ProvenanceSchema.safeParse(record)
  return parsed.success ? parsed.data : null
}

/** The short IPTC digital source type named by a URI, or undefined when it is none of ours. */
export function digitalSourceTypeOf(uri: string): DigitalSourceType | undefined {
  if (!uri.startsWith(DIGITAL_SOURCE_TYPE_BASE)) return undefined
  const short = uri.slice(DIGITAL_SOURCE_TYPE_BASE.length)
  return (DIGITAL_SOURCE_TYPES as readonly string[]).includes(short)
    ? (short as DigitalSourceType)
    : undefined
}
