import type { Redactor } from './redactor.js'

/**
 * Finding registered secrets in file bytes, before a file is published (git commit, workflow
 * artifact) or copied to the GitHub Pages folder.
 */

/**
 * Whether `bytes` (or the file name) holds any secret registered with `redactor`. The bytes are
 * read both as UTF-8 and as Latin-1, so secrets are found in text files and inside binary ones.
 */
export function holdsSecret(redactor: Redactor, bytes: Uint8Array, name = ''): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return (
    redactor.contains(name) ||
    redactor.contains(buffer.toString('latin1')) ||
    redactor.contains(buffer.toString('utf8'))
  )
}

/**
 * Where in a file a registered secret is: `file name`, `field <path>` of a JSON file
 * (`field images[0].error`), `line <n>` of a text file, or `byte <offset>` of a binary file;
 * undefined when the file holds none. Never the secret itself.
 */
export function secretLocation(
  redactor: Redactor,
  bytes: Uint8Array,
  name = '',
): string | undefined {
  if (redactor.contains(name)) return 'file name'
  if (!holdsSecret(redactor, bytes)) return undefined
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('utf8')
  if (/\.json$/i.test(name)) {
    try {
      const field = redactor.findSecretField(JSON.parse(text) as unknown)
      if (field !== undefined) return `field ${field}`
    } catch {
      // not valid JSON: located by line below
    }
  }
  if (!text.includes('\uFFFD')) {
    const lines = text.split('\n')
    const index = lines.findIndex((line) => redactor.contains(line))
    if (index >= 0) return `line ${index + 1}`
  }
  const latin1 = buffer.toString('latin1')
  for (let offset = 0; offset < latin1.length; offset += 4096) {
    const window = latin1.slice(offset, offset + 8192)
    if (redactor.contains(window)) return `bytes ${offset}–${offset + window.length}`
  }
  return 'content'
}
