import type { Dirent } from 'node:fs'
import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import { holdsSecret, secretLocation } from '../../core/secrets-scan.js'
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
 * committed link would point nowhere useful. Entries named `.git` are left out too. With
 * `since` (epoch ms), files last modified before it are stale files of an earlier run: they
 * are left out and listed in `stale`.
 */
export async function listFolderFiles(
  folder: string,
  since?: number,
): Promise<{ files: FolderFile[]; skipped: string[]; stale: string[] }> {
  const files: FolderFile[] = []
  const skipped: string[] = []
  const stale: string[] = []
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const entries: Dirent[] = await readdir(dir, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const relative = prefix === '' ? entry.name : `${prefix}/${entry.name}`
      const absolute = path.join(dir, entry.name)
      if (entry.name === '.git') skipped.push(relative)
      else if (entry.isDirectory()) await walk(absolute, relative)
      else if (entry.isFile()) {
        if (since !== undefined && (await stat(absolute)).mtimeMs < since - STALE_SLACK_MS)
          stale.push(relative)
        else files.push({ absolute, relative })
      } else skipped.push(relative)
    }
  }
  await walk(folder, '')
  return { files, skipped, stale }
}

/** Clock slack when comparing modification times with the job start (file systems round). */
const STALE_SLACK_MS = 2000

/**
 * When the current job started, for {@link listFolderFiles}' stale-file rule, from the runner's
 * per-job temporary folder (`RUNNER_TEMP`, emptied at the start of every job, where the runner
 * then creates its file-command files): the oldest creation time of its entries, else the
 * folder's own creation time, else the time the first stage of the job wrote the marker
 * `kamui-job-start` into it. Without a folder (the CLI), undefined: nothing is stale.
 */
export async function jobStartedAt(runnerTemp: string | undefined): Promise<number | undefined> {
  if (!runnerTemp) return undefined
  const marker = path.join(runnerTemp, JOB_MARKER)
  try {
    const recorded = Number(await readFile(marker, 'utf8'))
    if (Number.isFinite(recorded) && recorded > 0) return recorded
  } catch {
    // no marker yet: this is the first stage of the job
  }
  let started: number | undefined
  try {
    for (const entry of await readdir(runnerTemp)) {
      const info = await stat(path.join(runnerTemp, entry))
      const born = info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs
      started = started === undefined ? born : Math.min(started, born)
    }
    const own = (await stat(runnerTemp)).birthtimeMs
    started ??= own > 0 ? own : undefined
  } catch {
    // an unreadable folder: the marker's time below
  }
  started ??= Date.now()
  await writeFile(marker, String(started)).catch(() => undefined)
  return started
}

/** The marker of {@link jobStartedAt} in the runner's temporary folder. */
const JOB_MARKER = 'kamui-job-start'

export { holdsSecret, secretLocation }

/** The error for files that hold a secret (names only, never the content). */
export function secretFilesError(files: readonly string[], where: string): KamuiError {
  return new KamuiError(
    PUBLISH_ERROR_CODE,
    `Refusing to publish ${where}: ${files.length === 1 ? 'this file holds' : 'these files hold'} a secret value ` +
      `(oauth-token, mcp-config header or env value, API key): ${files.join(', ')}. ` +
      'Nothing was published. Remove the secret from the results folder.',
  )
}

/** Warns about stale files left out of a publish (names only). */
export function warnStale(
  logger: { warn: (message: string) => void },
  stale: readonly string[],
  verb: string,
): void {
  if (stale.length === 0) return
  const shown =
    stale.slice(0, 20).join(', ') + (stale.length > 20 ? ` (and ${stale.length - 20} more)` : '')
  logger.warn(
    `Not ${verb} (older than this job: files of an earlier run in the same folder): ${shown}`,
  )
}
