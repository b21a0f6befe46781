import { open } from 'node:fs/promises'
import { PREVIEW_MUSIC_SOFTWARE } from '../../media/preview/music.js'

/** How far into a WAV file its INFO chunk is looked for, bytes. */
const HEAD_BYTES = 16 * 1024

/**
 * The fields of a WAV file's RIFF `LIST`/`INFO` chunk (`ISFT`, `ICMT`, …) found before its
 * `data` chunk in the first 16 KiB; empty for other files or when there is none.
 */
export async function readWavInfo(file: string): Promise<Record<string, string>> {
  const handle = await open(file, 'r').catch(() => undefined)
  if (!handle) return {}
  let head: Buffer
  try {
    const buffer = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0)
    head = buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
  const fields: Record<string, string> = {}
  if (head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE')
    return fields
  for (let at = 12; at + 8 <= head.length;) {
    const id = head.toString('ascii', at, at + 4)
    const size = head.readUInt32LE(at + 4)
    if (id === 'data') break
    if (id === 'LIST' && head.toString('ascii', at + 8, at + 12) === 'INFO') {
      const end = Math.min(at + 8 + size, head.length)
      for (let f = at + 12; f + 8 <= end;) {
        const fieldSize = head.readUInt32LE(f + 4)
        const text = head.toString('latin1', f + 8, Math.min(f + 8 + fieldSize, end))
        fields[head.toString('ascii', f, f + 4)] = text.replace(/\0+$/, '')
        f += 8 + fieldSize + (fieldSize % 2)
      }
    }
    at += 8 + size + (size % 2)
  }
  return fields
}

/**
 * Whether an audio file is the synthesized PREVIEW track of the preview renderer
 * (src/media/preview/music.ts), recognised by the `ISFT` field of its INFO chunk.
 */
export async function isPreviewMusic(file: string): Promise<boolean> {
  return (await readWavInfo(file))['ISFT'] === PREVIEW_MUSIC_SOFTWARE
}
