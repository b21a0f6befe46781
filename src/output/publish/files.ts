import type { Dirent } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import { isInside } from '../../core/workspace.js'
import { PUBLISH_ERROR_CODE, type PublishRequest } from './types.js'

/** One regular file of a results folder. */
export interface FolderFile {
  /** Absolute path. */
  absolute: string
  /** Path relative to the folder, with `/` separators. */
  relative: string
}

/** A results folder after checking: real paths, inside the workspace. */
export interface CheckedFolder {
  /** Real (symlink-free) absolute path of the workspace. */
  workspace: string
  /** Real absolute path of the folder. */
  folder: string
}

/**
 * Checks that `request.folder` is a directory strictly inside `request.workspace`, comparing
 * real paths so that a symlinked folder cannot smuggle files from elsewhere into a commit or
 * an artifact.
 *
 * @throws KamuiError FS_001 when the folder is outside the workspace, CFG_001 when it is the
 *   workspace itself, {@link PUBLISH_ERROR_CODE} when it does not exist or is not a directory
 */
export async function checkFolder(request: PublishRequest): Promise<CheckedFolder> {
  let workspace: string
  let folder: string
  try {
    workspace = await realpath(request.workspace)
    folder = await realpath(request.folder)
  } catch (error) {
    throw new KamuiError(
      PUBLISH_ERROR_CODE,
      `Nothing to publish: the results folder ${request.folder} does not exist.`,
      { cause: error },
    )
  }
  if (!isInside(workspace, folder)) {
    throw new KamuiError(
      'FS_001',
      `The results folder ${request.folder} lies outside the workspace ${request.workspace}; it is not published.`,
    )
  }
  if (folder === workspace) {
    throw new KamuiError(
      'CFG_001',
      'publish needs a results folder inside the workspace, not the workspace itself: set folder-name.',
    )
  }
  if (!(await stat(folder)).isDirectory()) {
    throw new KamuiError(PUBLISH_ERROR_CODE, `The results path ${request.folder} is not a folder.`)
  }
  return { workspace, folder }
}

/**
 * Every regular file below `folder`, sorted by relative path. Symbolic links are left out (and
 * listed in `skipped`): following them could publish files from outside the folder, and a
 * committed link would point nowhere useful. Entries named `.git` are left out too.
 */
export async function listFolderFiles(
  folder: string,
): Promise<{ files: FolderFile[]; skipped: string[] }> {
  const files: FolderFile[] = []
  const skipped: string[] = []
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      const absolute = path.join(dir, entry.name)
      if (entry.name === '.git') skipped.push(relative)
      else if (entry.isDirectory()) await walk(absolute, relative)
      else if (entry.isFile()) files.push({ absolute, relative })
      else skipped.push(relative)
    }
  }
  await walk(folder, '')
  return { files, skipped }
}

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

/** The error for files that hold a secret (names only, never the content). */
export function secretFilesError(files: readonly string[], where: string): KamuiError {
  return new KamuiError(
    PUBLISH_ERROR_CODE,
    `Refusing to publish ${where}: ${files.length === 1 ? 'this file holds' : 'these files hold'} a secret value ` +
      `(oauth-token, mcp-config header or env value, API key): ${files.join(', ')}. ` +
      'Nothing was published. Remove the secret from the results folder.',
  )
}
