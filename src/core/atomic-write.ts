import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile, copyFile } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from './errors.js'

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is then
 * renamed over the target, so a reader never sees a half-written file and a crash never leaves
 * one behind (SPEC §8 reliability).
 *
 * @throws KamuiError IMG_005 when the disk is full or the quota is exceeded (ENOSPC, EDQUOT)
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true })
  const temp = tempName(target)
  try {
    await writeFile(temp, data)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw storageError(error, target)
  }
}

/** Copies `source` to `target` atomically (temporary file, then rename). */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true })
  const temp = tempName(target)
  try {
    await copyFile(source, temp)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw storageError(error, target)
  }
}

function tempName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  )
}

function storageError(error: unknown, target: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new KamuiError(
      'IMG_005',
      `Not enough storage to write ${target}: free disk space and run again.`,
      {
        cause: error,
      },
    )
  }
  return error
}
