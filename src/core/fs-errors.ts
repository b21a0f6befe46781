import { KamuiError, isKamuiError } from './errors.js'

/**
 * Operating-system errors as coded errors (issue 14 §6): a folder problem reads
 * `FS_002: … (ENOTDIR): /path` instead of a bare `GEN_001: ENOTDIR`.
 */

const EXPLAINED: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'the path is a folder, a file was expected',
  ENOENT: 'it does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links (a link loop)',
  EMFILE: 'too many open files',
  EBUSY: 'the file is busy',
  ENOTEMPTY: 'the folder is not empty',
  EXDEV: 'it lies on another device',
}

/** The errno code of an operating-system error (`ENOTDIR`), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined
}

/**
 * `error` as a {@link KamuiError}: coded errors unchanged; disk full (ENOSPC, EDQUOT) as
 * IMG_005; any other operating-system error as FS_002 naming the errno code, what it means, the
 * path and what was being done; anything else unchanged.
 *
 * @param target the path the operation was on (the error's own `path` wins when it has one)
 * @param doing what was being done (`writing the report`), for the message
 */
export function fsError(error: unknown, target?: string, doing?: string): unknown {
  if (isKamuiError(error)) return error
  const code = errnoCode(error)
  if (code === undefined) return error
  const where = (error as NodeJS.ErrnoException).path ?? target ?? 'a path'
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new KamuiError(
      'IMG_005',
      `Not enough storage to write ${where}: free disk space and run again.`,
      { cause: error },
    )
  }
  const meaning = EXPLAINED[code] ?? 'the operating system refused'
  return new KamuiError(
    'FS_002',
    `${doing === undefined ? '' : `${capitalise(doing)} failed: `}${meaning} (${code}): ${where}.`,
    { cause: error },
  )
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
