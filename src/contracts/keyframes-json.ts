import { readFile } from 'node:fs/promises'
import { KamuiError } from '../core/errors.js'

/**
 * The parsed JSON of a `keyframes.json`, before any schema is checked: the keyframes stage
 * checks it against the whole file's schema, the video stage against the handoff
 * (`KeyframesHandoffSchema`).
 *
 * @param file path of the file
 * @param label how messages name the file (default: its path)
 * @throws KamuiError KF_002 `<label> does not exist.` when there is no such file, else
 *   `<label> cannot be read as JSON (<reason>).` when it cannot be read or parsed
 */
export async function readKeyframesJson(file: string, label: string = file): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new KamuiError(
      'KF_002',
      code === 'ENOENT'
        ? `${label} does not exist.`
        : `${label} cannot be read as JSON (${(error as Error).message}).`,
      { cause: error },
    )
  }
}
