import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile, copyFile } from 'node:fs/promises'
import path from 'node:path'
import { fsError } from './fs-errors.js'
import { realPathInWorkspace } from './workspace.js'

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, which is then
 * renamed over the target, so a reader never sees a half-written file and a crash never leaves
 * one behind (SPEC §8 reliability).
 *
 * @throws KamuiError IMG_005 when the disk is full or the quota is exceeded (ENOSPC, EDQUOT);
 *   FS_002 naming the path for any other operating-system error (a folder on the way is a
 *   file: ENOTDIR; no permission: EACCES; …)
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  await makeParent(target)
  const temp = tempName(target)
  try {
    await writeFile(temp, data)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw storageError(error, target)
  }
}

/** Options of {@link copyFileAtomic}. */
export interface CopyOptions {
  /**
   * The workspace the source must lie in after symbolic links are resolved: a linked music
   * file or PLY pointing outside it is refused instead of copied (into `docs/`, say).
   */
  workspace?: string
}

/**
 * Copies `source` to `target` atomically (temporary file, then rename).
 *
 * @throws KamuiError FS_001 when `options.workspace` is given and `source` resolves outside it;
 *   otherwise as {@link writeFileAtomic}
 */
export async function copyFileAtomic(
  source: string,
  target: string,
  options: CopyOptions = {},
): Promise<void> {
  if (options.workspace !== undefined) {
    await realPathInWorkspace(options.workspace, source, path.basename(source))
  }
  await makeParent(target)
  const temp = tempName(target)
  try {
    await copyFile(source, temp)
    await rename(temp, target)
  } catch (error) {
    await rm(temp, { force: true })
    throw storageError(error, target)
  }
}

async function makeParent(target: string): Promise<void> {
  try {
    await mkdir(path.dirname(target), { recursive: true })
  } catch (error) {
    // `mkdir -p` reports a file on the way as EEXIST: say what it means.
    const known = error as NodeJS.ErrnoException
    if (known.code === 'EEXIST') known.code = 'ENOTDIR'
    throw fsError(error, path.dirname(target), `creating the folder of ${target}`)
  }
}

function tempName(target: string): string {
  return path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`,
  )
}

function storageError(error: unknown, target: string): unknown {
  return fsError(error, target, `writing ${target}`)
}
