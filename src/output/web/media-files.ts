import { stat } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'

/** Audio files a page offers in an `<audio>` element. */
export const AUDIO_EXTENSIONS: readonly string[] = ['.wav', '.mp3', '.m4a', '.ogg', '.aac', '.flac']

/** Video files a page offers in a `<video>` element. */
export const VIDEO_EXTENSIONS: readonly string[] = ['.mp4', '.webm', '.mov']

/**
 * Checks that `file` is a regular file with one of `extensions` (any when omitted).
 *
 * @param shown how the file is named in the message (the input value)
 * @throws KamuiError WEB_001 naming the input when the file is missing, not a file, or of
 *   another type
 */
export async function requireMediaFile(
  file: string,
  inputName: string,
  shown: string,
  extensions?: readonly string[],
): Promise<void> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) {
    throw new KamuiError('WEB_001', `${inputName}: "${shown}" does not exist or is not a file.`)
  }
  const ext = path.extname(file).toLowerCase()
  if (extensions && !extensions.includes(ext)) {
    throw new KamuiError(
      'WEB_001',
      `${inputName}: "${shown}" is not one of ${extensions.join(', ')} (got "${ext || 'no extension'}").`,
    )
  }
}

/** Whether `file` is a regular file (never throws). */
export async function isFile(file: string): Promise<boolean> {
  return (await stat(file).catch(() => undefined))?.isFile() ?? false
}

/** A path relative to `from`, with forward slashes. */
export function posixRelative(from: string, to: string): string {
  return path.relative(from, to).split(path.sep).join('/')
}
