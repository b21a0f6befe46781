import { writeFileAtomic } from './atomic-write.js'
import type { Redactor } from './redactor.js'

/**
 * The one way a report, a record or a telemetry file is written: the secrets of `redactor`
 * masked field by field ({@link Redactor.redactDeep}: every string and object key, content
 * hashes kept) *before* serialising, never by rewriting serialised text, then written as
 * two-space indented JSON with a final newline, atomically (temporary file and rename).
 *
 * @param file absolute path of the file to write
 * @returns the object as written (masked)
 * @throws KamuiError IMG_005 when the disk is full; FS_002 for any other operating-system error
 *   (see {@link writeFileAtomic})
 */
export async function writeRedactedJson<T>(file: string, value: T, redactor: Redactor): Promise<T> {
  const masked = redactor.redactDeep(value)
  await writeFileAtomic(file, `${JSON.stringify(masked, null, 2)}\n`)
  return masked
}
