import path from 'node:path'
import { KamuiError } from './errors.js'

/**
 * Resolves a user-given relative path (such as `folder-name`) inside `workspace`.
 *
 * @param workspace absolute path of the workspace (`GITHUB_WORKSPACE`, or the CLI's cwd)
 * @param userPath the path as the user wrote it; relative paths are taken from the workspace,
 *   absolute paths are accepted only when they lie inside it
 * @param inputName the input the path came from, named in the error message
 * @returns the absolute, normalised path
 * @throws KamuiError FS_001 when the result would lie outside the workspace (`..` segments that
 *   climb out, or an absolute path elsewhere), or CFG_001 when the path is empty or holds a NUL
 */
export function resolveInWorkspace(workspace: string, userPath: string, inputName: string): string {
  if (userPath.trim() === '') throw new KamuiError('CFG_001', `${inputName} must not be empty.`)
  if (userPath.includes('\0')) throw new KamuiError('CFG_001', `${inputName} contains a NUL byte.`)
  const root = path.resolve(workspace)
  const resolved = path.resolve(root, userPath)
  if (!isInside(root, resolved)) {
    throw new KamuiError(
      'FS_001',
      `${inputName} "${userPath}" resolves to ${resolved}, which is outside the workspace ${root}. ` +
        'Use a path relative to the workspace without ".." segments that leave it.',
    )
  }
  return resolved
}

/** Whether `candidate` is `root` itself or lies below it (both absolute). */
export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate)
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))
}
