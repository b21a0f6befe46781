import { lstatSync, readdirSync, realpathSync, type Dirent } from 'node:fs'
import { lstat, mkdir, realpath } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from './errors.js'
import { fsError } from './fs-errors.js'

/**
 * The workspace boundary (SPEC §8, issue 14 §2): every path the suite reads or writes lies in
 * the workspace after symbolic links are resolved, never in `.git`, and output folders are
 * never the workspace root itself.
 */

/** Options of {@link resolveInWorkspace}. */
export interface ResolveOptions {
  /** Accept the workspace root itself (default false: no input names the whole workspace). */
  allowRoot?: boolean
}

/**
 * Resolves a user-given relative path (such as `folder-name`) inside `workspace`.
 *
 * The text is resolved first (`..` segments that climb out are refused), then the longest
 * existing part of the path is passed through `realpath`, so a symbolic link anywhere on the
 * way (a linked folder, a linked music file) that points outside the workspace is refused too.
 * The part that does not exist yet is checked again when it is created ({@link ensureFolder}).
 *
 * @param workspace absolute path of the workspace (`GITHUB_WORKSPACE`, or the CLI's cwd)
 * @param userPath the path as the user wrote it; relative paths are taken from the workspace,
 *   absolute paths are accepted only when they lie inside it
 * @param inputName the input the path came from, named in the error message
 * @returns the absolute, normalised path (as written, not the link target)
 * @throws KamuiError FS_001 when the result would lie outside the workspace (`..` segments that
 *   climb out, an absolute path elsewhere, a symbolic link that resolves elsewhere or points
 *   nowhere, or an existing folder holding such a link, through which later writes and copies
 *   would leave the workspace) or inside `.git`; FS_003 when it is the workspace root itself (unless
 *   `allowRoot`); CFG_001 when the path is empty or holds a NUL
 */
export function resolveInWorkspace(
  workspace: string,
  userPath: string,
  inputName: string,
  options: ResolveOptions = {},
): string {
  if (userPath.trim() === '') throw new KamuiError('CFG_001', `${inputName} must not be empty.`)
  if (userPath.includes('\0')) throw new KamuiError('CFG_001', `${inputName} contains a NUL byte.`)
  const root = path.resolve(workspace)
  const resolved = path.resolve(root, userPath)
  const outside = (where: string): KamuiError =>
    new KamuiError(
      'FS_001',
      `${inputName} "${userPath}" resolves to ${where}, which is outside the workspace ${root}. ` +
        'Use a path relative to the workspace without ".." segments or symbolic links that leave it.',
    )
  if (!isInside(root, resolved)) throw outside(resolved)
  const real = realPathOf(resolved)
  if (real === undefined) throw outside(`${resolved} (a symbolic link that points nowhere)`)
  const realRoot = realPathOf(root) ?? root
  if (!isInside(realRoot, real)) throw outside(real)
  checkSpecialFolders(root, resolved, inputName, userPath, options)
  const linkOut = real === realRoot ? undefined : linkLeavingFolder(realRoot, real)
  if (linkOut !== undefined) {
    throw new KamuiError(
      'FS_001',
      `${inputName} "${userPath}" holds a symbolic link, ${linkOut.link}, that resolves to ` +
        `${linkOut.target} outside the workspace ${root}: files written or copied through it ` +
        'would leave the workspace. Remove the link.',
    )
  }
  return resolved
}

/** Entries looked at below a folder by {@link linkLeavingFolder} (bounded for huge trees). */
const MAX_SCANNED_ENTRIES = 20_000

/**
 * The first symbolic link below the existing folder `dir` (real path) whose target lies outside
 * `realRoot`, or undefined (also when `dir` is no folder). Links are not followed.
 */
function linkLeavingFolder(
  realRoot: string,
  dir: string,
): { link: string; target: string } | undefined {
  let scanned = 0
  const stack = [dir]
  while (stack.length > 0 && scanned < MAX_SCANNED_ENTRIES) {
    const current = stack.pop() as string
    let entries: Dirent[]
    try {
      entries = readdirSync(current, { withFileTypes: true })
    } catch {
      continue
    }
    for (const entry of entries) {
      scanned++
      const full = path.join(current, entry.name)
      if (entry.isSymbolicLink()) {
        const target = realPathOf(full)
        if (target === undefined || !isInside(realRoot, target)) {
          return { link: full, target: target ?? 'nowhere' }
        }
      } else if (entry.isDirectory() && entry.name !== '.git') stack.push(full)
    }
  }
  return undefined
}

function checkSpecialFolders(
  root: string,
  resolved: string,
  inputName: string,
  userPath: string,
  options: ResolveOptions,
): void {
  const relative = path.relative(root, resolved)
  if (relative.split(path.sep).some((part) => part.toLowerCase() === '.git')) {
    throw new KamuiError(
      'FS_001',
      `${inputName} "${userPath}" lies inside .git, which the suite never reads or writes.`,
    )
  }
  const sameAsRoot =
    relative === '' || (realPathOf(resolved) ?? resolved) === (realPathOf(root) ?? root)
  if (sameAsRoot && !options.allowRoot) {
    throw new KamuiError(
      'FS_003',
      `${inputName} "${userPath}" is the workspace root itself; name a folder inside it ` +
        '(e.g. results/run-1) so that no file of the repository is overwritten.',
    )
  }
}

/**
 * The real path of `target`, resolving symbolic links in its longest existing part and
 * appending the rest; undefined when an existing part is a link that points nowhere (or a
 * loop).
 */
export function realPathOf(target: string): string | undefined {
  const rest: string[] = []
  let current = path.resolve(target)
  for (;;) {
    let exists = true
    try {
      lstatSync(current)
    } catch {
      exists = false
    }
    if (exists) {
      try {
        return path.join(realpathSync(current), ...rest.reverse())
      } catch {
        return undefined
      }
    }
    const parent = path.dirname(current)
    if (parent === current) return path.join(current, ...rest.reverse())
    rest.push(path.basename(current))
    current = parent
  }
}

/**
 * Checks an existing file or folder before it is read or copied: its real path (links
 * resolved) must lie in the workspace.
 *
 * @param what named in the error (`music-file`, `docs/run-1/assets/song.mp3`)
 * @returns the real path
 * @throws KamuiError FS_001 when it resolves outside the workspace; FS_002 when it cannot be
 *   read (missing, no permission)
 */
export async function realPathInWorkspace(
  workspace: string,
  target: string,
  what: string,
): Promise<string> {
  let real: string
  let realRoot: string
  try {
    realRoot = await realpath(workspace)
    real = await realpath(target)
  } catch (error) {
    throw fsError(error, target, `reading ${what}`)
  }
  if (!isInside(realRoot, real)) {
    throw new KamuiError(
      'FS_001',
      `${what} (${target}) is a symbolic link to ${real}, outside the workspace ${workspace}; ` +
        'it is not read or copied.',
    )
  }
  return real
}

/**
 * Creates `folder` (absolute, inside `workspace`) one level at a time, checking after each
 * step that the level is a real folder inside the workspace: a symbolic link planted on the way
 * that leads out of the workspace is refused instead of followed.
 *
 * @throws KamuiError FS_001 when a level resolves outside the workspace; FS_002 when a level
 *   exists but is not a folder (ENOTDIR), or cannot be created (EACCES, EROFS), naming it
 */
export async function ensureFolder(workspace: string, folder: string): Promise<void> {
  const root = path.resolve(workspace)
  const target = path.resolve(folder)
  if (!isInside(root, target)) {
    throw new KamuiError('FS_001', `${target} is outside the workspace ${root}.`)
  }
  let realRoot: string
  try {
    await mkdir(root, { recursive: true })
    realRoot = await realpath(root)
  } catch (error) {
    throw fsError(error, root, 'creating the workspace folder')
  }
  let current = root
  for (const part of path
    .relative(root, target)
    .split(path.sep)
    .filter((p) => p !== '')) {
    current = path.join(current, part)
    try {
      await mkdir(current)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw fsError(error, current, 'creating the folder')
      }
    }
    const info = await lstat(current).catch((error: unknown) => {
      throw fsError(error, current, 'creating the folder')
    })
    const real = await realpath(current).catch((error: unknown) => {
      throw fsError(error, current, 'creating the folder')
    })
    if (!isInside(realRoot, real)) {
      throw new KamuiError(
        'FS_001',
        `${current} is a symbolic link to ${real}, outside the workspace ${root}; nothing is written through it.`,
      )
    }
    if (!info.isDirectory() && !(info.isSymbolicLink() && (await isFolder(real)))) {
      throw new KamuiError(
        'FS_002',
        `${current} exists and is not a folder (ENOTDIR): remove it or choose another folder.`,
      )
    }
  }
}

async function isFolder(target: string): Promise<boolean> {
  try {
    return (await lstat(target)).isDirectory()
  } catch {
    return false
  }
}

/** Whether `candidate` is `root` itself or lies below it (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}
