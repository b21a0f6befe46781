import path from 'node:path'
import type { FileRef, HistoryEntry } from './types.js'

/**
 * The files an output node wrote, from its history entry (ComfyUI `execution.py`, `PromptQueue.task_done`): `images` (SaveImage,
 * PreviewImage, and core video nodes, which report videos under `images` with
 * `animated: [true]`) and `gifs` (VideoHelperSuite's video nodes).
 */
export function outputFiles(entry: HistoryEntry, nodeId: string): FileRef[] {
  const ui = entry.outputs?.[nodeId]
  if (!ui) return []
  const refs: FileRef[] = []
  for (const key of ['images', 'gifs'] as const) {
    const list = ui[key]
    if (!Array.isArray(list)) continue
    for (const item of list) {
      if (item && typeof item.filename === 'string' && item.filename !== '') {
        refs.push({
          filename: item.filename,
          subfolder: typeof item.subfolder === 'string' ? item.subfolder : '',
          type: typeof item.type === 'string' ? item.type : 'output',
          ...(typeof item.format === 'string' ? { format: item.format } : {}),
        })
      }
    }
  }
  return refs
}

const BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
}

/**
 * The media type of an output file: from its extension (what ComfyUI's `/view` guesses from
 * too), else the `Content-Type` it sent, else `application/octet-stream`.
 */
export function mediaTypeOf(filename: string, contentType: string | undefined): string {
  const known = BY_EXTENSION[path.extname(filename).toLowerCase()]
  if (known) return known
  const sent = contentType?.split(';')[0]?.trim()
  return sent && sent !== '' ? sent : 'application/octet-stream'
}

/** The extension to upload an image under, from its first bytes (PNG, JPEG, WebP; else `.png`). */
export function imageExtension(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return '.jpg'
  if (
    bytes.length >= 12 &&
    Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP'
  ) {
    return '.webp'
  }
  return '.png'
}
