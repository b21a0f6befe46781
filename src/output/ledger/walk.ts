import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import { JOURNAL_FILE } from '../../contracts/journal.js'

/** Folders never searched for run folders. */
const SKIPPED = new Set(['node_modules', '.git'])

/** Deepest folder level searched below the root (a results branch nests a few levels). */
const MAX_DEPTH = 12

/**
 * Every run folder under `root` that holds a run journal (`metadata/journal.jsonl`), the root
 * itself included, sorted. Symbolic links are not followed (a link cannot lead the ledger or
 * the pruner out of the folder); `node_modules` and `.git` are skipped.
 *
 * @throws Error the file-system errors of reading `root` itself (ENOENT, ENOTDIR)
 */
export async function findRunFolders(root: string): Promise<string[]> {
  const found: string[] = []
  const top = await lstat(root)
  if (!top.isDirectory()) {
    const error = new Error(`${root} is not a folder`) as NodeJS.ErrnoException
    error.code = 'ENOTDIR'
    throw error
  }
  await walk(path.resolve(root), 0, found)
  return found.sort()
}

/** The journal files of {@link findRunFolders}, absolute, sorted. */
export async function findJournals(root: string): Promise<string[]> {
  return (await findRunFolders(root)).map((folder) => path.join(folder, JOURNAL_FILE))
}

async function walk(folder: string, depth: number, found: string[]): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => [])
  const journal = path.join(folder, JOURNAL_FILE)
  const stat = await lstat(journal).catch(() => undefined)
  if (stat?.isFile()) found.push(folder)
  if (depth >= MAX_DEPTH) return
  for (const entry of entries) {
    if (!entry.isDirectory() || SKIPPED.has(entry.name)) continue
    await walk(path.join(folder, entry.name), depth + 1, found)
  }
}
