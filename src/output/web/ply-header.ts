import { open } from 'node:fs/promises'
import { KamuiError } from '../../core/errors.js'

/** What the header of a PLY file declares. */
export interface PlyHeader {
  format: 'ascii' | 'binary_little_endian' | 'binary_big_endian'
  /** `element vertex N`. */
  vertices: number
  /** Property names of the vertex element, in order. */
  properties: string[]
  /** Whether the vertices carry `red`, `green` and `blue`. */
  hasColor: boolean
}

/** The header may not be longer than this (the point data follows it). */
const MAX_HEADER_BYTES = 64 * 1024

/**
 * Reads and checks the header of a PLY file (the first bytes, up to `end_header`), so that a
 * wrong or empty file is reported before a page is built around it.
 *
 * @throws KamuiError WEB_001 when the file cannot be read, is not a PLY file, has an unknown
 *   format, or declares no vertex with x, y and z
 */
export async function readPlyHeader(file: string, inputName = 'ply-file-path'): Promise<PlyHeader> {
  let text: string
  try {
    const handle = await open(file, 'r')
    try {
      const buffer = Buffer.alloc(MAX_HEADER_BYTES)
      const { bytesRead } = await handle.read(buffer, 0, MAX_HEADER_BYTES, 0)
      text = buffer.subarray(0, bytesRead).toString('latin1')
    } finally {
      await handle.close()
    }
  } catch (error) {
    throw new KamuiError(
      'WEB_001',
      `${inputName}: cannot read ${file} (${(error as Error).message}).`,
    )
  }
  const bad = (why: string): KamuiError =>
    new KamuiError('WEB_001', `${inputName}: ${file} is not a usable PLY point cloud: ${why}.`)
  const end = text.indexOf('end_header')
  if (!text.startsWith('ply') || end < 0) throw bad('no "ply … end_header" header')
  const lines = text
    .slice(0, end)
    .split(/\r?\n/)
    .map((l) => l.trim())
  const format = lines.find((l) => l.startsWith('format '))?.split(/\s+/)[1]
  if (format !== 'ascii' && format !== 'binary_little_endian' && format !== 'binary_big_endian') {
    throw bad(`unknown format "${format ?? ''}"`)
  }
  let vertices = -1
  const properties: string[] = []
  let inVertex = false
  for (const line of lines) {
    const words = line.split(/\s+/)
    if (words[0] === 'element') {
      inVertex = words[1] === 'vertex'
      if (inVertex) vertices = Number(words[2])
    } else if (words[0] === 'property' && inVertex) {
      properties.push(words[words.length - 1] as string)
    }
  }
  if (!Number.isInteger(vertices) || vertices <= 0) throw bad('no vertices')
  if (!['x', 'y', 'z'].every((p) => properties.includes(p))) throw bad('vertices lack x, y or z')
  return {
    format,
    vertices,
    properties,
    hasColor: ['red', 'green', 'blue'].every((p) => properties.includes(p)),
  }
}
