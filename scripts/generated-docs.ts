/**
 * The parts of the docs that are rendered from the code, so that they cannot go stale
 * (`npm run build` writes them; test/unit/actions/action-metadata.test.ts fails when a committed
 * file differs from what this renders):
 *
 * - the README's models table (between `<!-- BEGIN models -->` and `<!-- END models -->`) from
 *   the built-in registry, src/models/builtin.ts;
 * - the README's error-code table (`<!-- BEGIN errors -->`) from `ERROR_CODES`,
 *   src/core/errors.ts;
 * - every `uses:` line of this suite's actions in README.md, actions/<stage>/README.md and
 *   docs/ (Markdown and YAML), from package.json's `repository` (owner/repo) and the major of
 *   its `version` (`@v1`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { STAGE_COMMANDS } from '../src/commands.js'
import { ERROR_CODES, isTransientCode, type ErrorCode } from '../src/core/errors.js'
import { BUILTIN_MODELS } from '../src/models/builtin.js'
import {
  renderErrorTable,
  renderModelsTable,
  renderUsesLines,
  replaceBetweenMarkers,
  repositorySlug,
  type ModelRow,
} from './docs.js'

/** `owner/repo` and the major version the docs pin, from package.json. */
export function releaseCoordinates(root: string): { slug: string; major: number } {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    version: string
    repository?: string | { url?: string }
  }
  return { slug: repositorySlug(pkg.repository), major: Number(pkg.version.split('.')[0]) }
}

/** Every file whose `uses:` lines are rendered, relative to `root`. */
export function usesFiles(root: string): string[] {
  const files = ['README.md']
  for (const command of STAGE_COMMANDS) {
    const readme = `actions/${command.name}/README.md`
    if (existsSync(path.join(root, readme))) files.push(readme)
  }
  const walk = (dir: string): void => {
    if (!existsSync(path.join(root, dir))) return
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(rel)
      else if (/\.(md|ya?ml)$/.test(entry.name)) files.push(rel)
    }
  }
  walk('docs')
  return files
}

/** `text` of the file `rel` with its generated parts rendered (see the file comment). */
export function renderFile(root: string, rel: string, text: string): string {
  const { slug, major } = releaseCoordinates(root)
  let out = renderUsesLines(
    text,
    slug,
    major,
    STAGE_COMMANDS.map((c) => c.name),
  )
  if (rel === 'README.md') {
    out = replaceBetweenMarkers(
      out,
      'models',
      renderModelsTable(BUILTIN_MODELS as Record<string, ModelRow>),
    )
    out = replaceBetweenMarkers(
      out,
      'errors',
      renderErrorTable(ERROR_CODES, (code) => isTransientCode(code as ErrorCode)),
    )
  }
  return out
}

/** Writes the generated parts of every file of {@link usesFiles}. */
export function renderGeneratedDocs(root: string): void {
  for (const rel of usesFiles(root)) {
    const file = path.join(root, rel)
    const text = readFileSync(file, 'utf8')
    const updated = renderFile(root, rel, text)
    if (updated !== text) writeFileSync(file, updated)
  }
}
