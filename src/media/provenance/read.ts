import { open, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Provenance } from '../../contracts/provenance.js'
import { readImageProvenance } from './image.js'
import { provenanceFromTags, readMp4Tags } from './mp4.js'
import { readPlyProvenance } from './ply.js'

/** Largest image read whole to look for its XMP, bytes (256 MiB). */
const MAX_IMAGE_BYTES = 256 * 1024 * 1024

/** File kinds that can carry the suite's provenance, by extension. */
const KINDS: Record<string, 'image' | 'mp4' | 'ply'> = {
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.webp': 'image',
  '.mp4': 'mp4',
  '.m4v': 'mp4',
  '.mov': 'mp4',
  '.ply': 'ply',
}

/** True when files with `file`'s extension can carry embedded provenance. */
export function canCarryProvenance(file: string): boolean {
  return KINDS[path.extname(file).toLowerCase()] !== undefined
}

/**
 * The provenance embedded in a file by this suite: XMP of a PNG, JPEG or WebP, metadata tags of
 * an MP4, `kamui:` header comments of a PLY. Null when the file carries none, is of another
 * kind, or cannot be read.
 */
export async function readFileProvenance(file: string): Promise<Provenance | null> {
  const kind = KINDS[path.extname(file).toLowerCase()]
  try {
    if (kind === 'image') {
      const handle = await open(file, 'r')
      const { size } = await handle.stat().finally(() => handle.close())
      if (size > MAX_IMAGE_BYTES) return null
      return await readImageProvenance(await readFile(file))
    }
    if (kind === 'mp4') return provenanceFromTags(await readMp4Tags(file))
    if (kind === 'ply') {
      const handle = await open(file, 'r')
      try {
        const head = Buffer.alloc(65536)
        const { bytesRead } = await handle.read(head, 0, head.length, 0)
        return readPlyProvenance(head.subarray(0, bytesRead))
      } finally {
        await handle.close()
      }
    }
  } catch {
    return null
  }
  return null
}
