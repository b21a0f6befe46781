import { lstat, readdir, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { JOURNAL_FILE } from '../../contracts/journal.js'
import { KamuiError } from '../../core/errors.js'
import { parseJournal } from '../../runner/journal.js'
import { findRunFolders } from './walk.js'

/**
 * `kamui prune` (issue 11 §6): removes run folders whose last activity is older than the
 * retention, and entries of the content-addressed cache made before it.
 *
 * A run folder (a folder holding `metadata/journal.jsonl`) counts as old only when BOTH the
 * newest `at` of its journal and the newest modification time of any file under it (nested
 * run folders included) are before the cut-off, so a folder anything was written to within
 * the retention is never removed. The folder given is never removed itself. Symbolic links
 * are not followed; a link found inside a removed folder is removed as a link.
 *
 * A cache entry is `<cache>/<namespace>/<xx>/<key>.json` (64 hex digits) with its files
 * `<key>.<n><ext>` beside it (`src/runner/job-cache.ts`); its age is the entry's `created_at`
 * (the file's modification time when unreadable). The entry JSON goes first, so a half-pruned
 * entry is a miss, never a corrupt hit.
 */

/** Options of {@link pruneRuns}. */
export interface PruneOptions {
  /** Keep everything younger than this many days (> 0; fractions allowed). */
  retentionDays: number
  /** The cache folder to prune too (`cache-folder`), or undefined. */
  cacheFolder?: string
  /** List what would go, remove nothing. */
  dryRun?: boolean
  /** Clock, ms since the epoch (tests). */
  now?: number
}

/** One thing removed (or that would be, in a dry run). */
export interface PrunedItem {
  kind: 'run-folder' | 'cache-entry'
  /** Path relative to the pruned root (run folders) or the cache folder (entries), `/`-separated. */
  path: string
  /** Last activity (run folder) or creation (cache entry), ISO 8601. */
  lastActivity: string
  /** Bytes of the files it holds. */
  bytes: number
}

/** What {@link pruneRuns} did. */
export interface PruneResult {
  dryRun: boolean
  /** Cut-off, ISO 8601: what is older goes. */
  cutoff: string
  removed: PrunedItem[]
  /** Run folders kept (not older than the retention), relative paths. */
  kept: string[]
  /** Bytes freed (or that would be). */
  bytes: number
}

const DAY_MS = 86_400_000
const CACHE_ENTRY = /^[0-9a-f]{64}\.json$/

/**
 * Prunes run folders under `root` (and the cache folder when given) past the retention.
 *
 * @throws KamuiError CFG_001 for a retention that is not a positive number of days
 * @throws Error the file-system errors of reading `root` (ENOENT, ENOTDIR)
 */
export async function pruneRuns(root: string, options: PruneOptions): Promise<PruneResult> {
  const days = options.retentionDays
  if (!Number.isFinite(days) || days <= 0)
    throw new KamuiError(
      'CFG_001',
      `--retention-days ${String(days)}: give a positive number of days to keep.`,
    )
  const now = options.now ?? Date.now()
  const cutoff = now - days * DAY_MS
  const dryRun = options.dryRun ?? false
  const base = path.resolve(root)
  const folders = (await findRunFolders(base)).filter((f) => f !== base)
  const removed: PrunedItem[] = []
  const kept: string[] = []
  for (const folder of outermostFirst(folders)) {
    if (removed.some((r) => r.kind === 'run-folder' && inside(path.join(base, r.path), folder)))
      continue
    const item = await oldRunFolder(base, folder, cutoff)
    if (!item) {
      kept.push(relative(base, folder))
      continue
    }
    if (!dryRun) await rm(folder, { recursive: true, force: true })
    removed.push(item)
  }
  if (options.cacheFolder) removed.push(...(await pruneCache(options.cacheFolder, cutoff, dryRun)))
  return {
    dryRun,
    cutoff: new Date(cutoff).toISOString(),
    removed,
    kept,
    bytes: removed.reduce((sum, r) => sum + r.bytes, 0),
  }
}

/** The run folder as a prunable item when its last activity is before `cutoff`, else undefined. */
async function oldRunFolder(
  base: string,
  folder: string,
  cutoff: number,
): Promise<PrunedItem | undefined> {
  const journalAt = await lastJournalAt(path.join(folder, JOURNAL_FILE))
  if (journalAt === undefined || journalAt >= cutoff) return undefined
  const files = await newestFile(folder)
  if (files.newestMs >= cutoff) return undefined
  return {
    kind: 'run-folder',
    path: relative(base, folder),
    lastActivity: new Date(Math.max(journalAt, files.newestMs)).toISOString(),
    bytes: files.bytes,
  }
}

/** The newest `at` of a journal's whole lines, ms; undefined when it has none (kept). */
async function lastJournalAt(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '')
  let newest: number | undefined
  for (const line of parseJournal(text).lines) {
    const at = Date.parse(line.at)
    if (Number.isFinite(at)) newest = Math.max(newest ?? at, at)
  }
  return newest
}

/** Newest modification time (ms) and total size of the files under `folder`, links not followed. */
async function newestFile(folder: string): Promise<{ newestMs: number; bytes: number }> {
  let newestMs = Number.NEGATIVE_INFINITY
  let bytes = 0
  const entries = await readdir(folder, { withFileTypes: true, recursive: true })
  for (const entry of entries) {
    if (entry.isDirectory()) continue
    const stat = await lstat(path.join(entry.parentPath, entry.name)).catch(() => undefined)
    if (!stat) continue
    newestMs = Math.max(newestMs, stat.mtimeMs)
    if (stat.isFile()) bytes += stat.size
  }
  return { newestMs, bytes }
}

/** Removes cache entries created before `cutoff`: the entry JSON first, then its files. */
async function pruneCache(cache: string, cutoff: number, dryRun: boolean): Promise<PrunedItem[]> {
  const root = path.resolve(cache)
  const entries = await readdir(root, { withFileTypes: true, recursive: true }).catch(() => [])
  const removed: PrunedItem[] = []
  for (const entry of entries) {
    if (!entry.isFile() || !CACHE_ENTRY.test(entry.name)) continue
    const dir = entry.parentPath
    const file = path.join(dir, entry.name)
    const created = await createdAt(file)
    if (created === undefined || created >= cutoff) continue
    const key = entry.name.slice(0, -'.json'.length)
    const siblings = (await readdir(dir, { withFileTypes: true })).filter(
      (e) => e.isFile() && e.name.startsWith(`${key}.`) && e.name !== entry.name,
    )
    let bytes = 0
    for (const f of [entry, ...siblings])
      bytes += (await lstat(path.join(dir, f.name)).catch(() => undefined))?.size ?? 0
    if (!dryRun) {
      await rm(file, { force: true })
      for (const f of siblings) await rm(path.join(dir, f.name), { force: true })
    }
    removed.push({
      kind: 'cache-entry',
      path: relative(root, file),
      lastActivity: new Date(created).toISOString(),
      bytes,
    })
  }
  return removed
}

/** `created_at` of a cache entry, or its file's modification time when unreadable. */
async function createdAt(file: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { created_at?: unknown }
    const at = typeof parsed.created_at === 'string' ? Date.parse(parsed.created_at) : NaN
    if (Number.isFinite(at)) return at
  } catch {
    // fall back to the modification time
  }
  return (await lstat(file).catch(() => undefined))?.mtimeMs
}

function outermostFirst(folders: readonly string[]): string[] {
  return [...folders].sort((a, b) => a.split(path.sep).length - b.split(path.sep).length)
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

function relative(base: string, target: string): string {
  return path.relative(base, target).split(path.sep).join('/')
}
