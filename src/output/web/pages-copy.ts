import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import { secretLocation } from '../../core/secrets-scan.js'
import { isInside } from '../../core/workspace.js'

/** Options of {@link copyToPages}. */
export interface PagesCopyOptions {
  /** The workspace the source must lie in once symbolic links are resolved. */
  workspace: string
  redactor: Redactor
}

/**
 * Copies one file of a web player into the docs folder that GitHub Pages serves, refusing what
 * must not be published: a source that is a symbolic link leading outside the workspace (FS_001,
 * from `copyFileAtomic`), and a file holding a registered secret (named with the field or line,
 * never the value).
 *
 * @throws KamuiError PUB_001 when the file holds a secret; FS_001 for a link
 *   outside the workspace; FS_002 / IMG_005 when it cannot be read or written
 */
export async function copyToPages(
  source: string,
  target: string,
  options: PagesCopyOptions,
): Promise<void> {
  const bytes = await readFile(source)
  const shown = path.relative(options.workspace, target).split(path.sep).join('/')
  const found = secretLocation(options.redactor, bytes, shown)
  if (found !== undefined) {
    throw new KamuiError(
      'PUB_001',
      `Refusing to copy ${options.redactor.redact(shown)} (${found}) to the GitHub Pages folder: ` +
        'it holds a secret value (oauth-token, mcp-config credential). Nothing more was copied.',
    )
  }
  await copyFileAtomic(source, target, { workspace: options.workspace })
}

/**
 * Writes a page rendered for the docs folder, with the same refusal as {@link copyToPages}: text
 * holding a registered secret is not published.
 *
 * @throws KamuiError PUB_001 when the text holds a secret; FS_001 for a target outside the
 *   workspace
 */
export async function writeToPages(
  text: string,
  target: string,
  options: PagesCopyOptions,
): Promise<void> {
  const shown = path.relative(options.workspace, target).split(path.sep).join('/')
  if (!isInside(options.workspace, target)) {
    throw new KamuiError('FS_001', `${shown} lies outside the workspace: not written.`)
  }
  const found = secretLocation(options.redactor, Buffer.from(text), shown)
  if (found !== undefined) {
    throw new KamuiError(
      'PUB_001',
      `Refusing to write ${options.redactor.redact(shown)} (${found}) to the GitHub Pages folder: ` +
        'it holds a secret value (oauth-token, mcp-config credential).',
    )
  }
  await writeFileAtomic(target, text)
}
