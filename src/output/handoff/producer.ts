import { open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { hashFile } from '../telemetry/artifacts.js'
import { markerPath, markerTempPath, type DoneMarkerContent } from './marker.js'

/**
 * The producer side of the handoff: call it after `file` is completely written and closed.
 *
 * Writes {@link DoneMarkerContent} (the file's size and SHA-256) to `<file>.done.tmp`, flushes
 * it to disk (`fsync`), then renames it to `<file>.done` in one atomic step. Consumers watching
 * the folder therefore see either no marker or a complete one.
 *
 * @returns the marker's path and content
 * @throws the file-system error when `file` cannot be read or the marker cannot be written
 *   (the temporary marker is removed)
 */
export async function writeDoneMarker(
  file: string,
): Promise<{ marker: string; content: DoneMarkerContent }> {
  const { sha256, bytes } = await hashFile(file)
  const content: DoneMarkerContent = {
    file: path.basename(file),
    bytes,
    sha256,
    written_at: new Date().toISOString(),
  }
  const temp = markerTempPath(file)
  const marker = markerPath(file)
  try {
    const handle = await open(temp, 'w')
    try {
      await handle.writeFile(`${JSON.stringify(content)}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, marker)
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  return { marker, content }
}
