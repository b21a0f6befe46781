/**
 * The release notes of one version, taken from CHANGELOG.md (Keep a Changelog format): the text
 * under `## [X.Y.Z] - date` up to the next `## ` heading. The release workflow
 * (.github/workflows/release.yml) passes them to `gh release create`.
 *
 *   npx tsx scripts/release-notes.ts v1.2.3 [CHANGELOG.md]   → the notes on stdout; exit 1 when
 *   the changelog has no section for that version, or the section is empty.
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** `v1.2.3` or `1.2.3` → `1.2.3`; anything else → undefined. */
export function semverOfTag(tag: string): string | undefined {
  return /^v?(\d+\.\d+\.\d+)$/.exec(tag.trim())?.[1]
}

/**
 * The body of the changelog section of `version` (without its heading, trimmed), or undefined
 * when there is no such section or it is empty.
 */
export function releaseNotes(changelog: string, version: string): string | undefined {
  const lines = changelog.split(/\r?\n/)
  const escaped = version.replace(/\./g, '\\.')
  const start = lines.findIndex((l) => new RegExp(`^## \\[${escaped}\\](?:\\s|$)`).test(l))
  if (start < 0) return undefined
  const rest = lines.slice(start + 1)
  const end = rest.findIndex((l) => /^## /.test(l))
  const body = (end < 0 ? rest : rest.slice(0, end))
    .filter((l) => !/^\[[^\]]+\]: /.test(l))
    .join('\n')
    .trim()
  return body === '' ? undefined : body
}

function main(): number {
  const [tag, file = 'CHANGELOG.md'] = process.argv.slice(2)
  const version = semverOfTag(tag ?? '')
  if (!version) {
    console.error(`release-notes: "${tag ?? ''}" is not a vX.Y.Z tag.`)
    return 1
  }
  const notes = releaseNotes(readFileSync(path.resolve(file), 'utf8'), version)
  if (!notes) {
    console.error(`release-notes: ${file} has no "## [${version}]" section with notes.`)
    return 1
  }
  process.stdout.write(`${notes}\n`)
  return 0
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = main()
}
