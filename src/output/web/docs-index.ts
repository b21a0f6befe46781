import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import { truncate } from './format.js'
import { collectRunStats, type RunStats } from '../ledger/stats.js'
import { renderDashboard } from './dashboard.js'
import { markup, relativeUrl, SafeHtml } from './html.js'
import { INDEX_CSS } from './styles.js'

/** One run listed in `docs/index.markup` (also kept in `docs/runs.json`). */
export const DocsRunSchema = z.object({
  /** Folder below the docs folder, forward slashes, no leading or trailing slash. */
  folder: z.string().min(1),
  title: z.string(),
  /** ISO 8601, or null for a run found on disk without a record. */
  created_at: z.string().nullable(),
  execution_time: z.string().nullable(),
  /** Whether the page shows preview output; null when unknown. */
  preview: z.boolean().nullable(),
  images: z.number().int().nonnegative().nullable(),
  videos: z.number().int().nonnegative().nullable(),
  point_cloud: z.boolean().nullable(),
})
export type DocsRun = z.infer<typeof DocsRunSchema>

const RunsFileSchema = z.object({ schema_version: z.literal(1), runs: z.array(DocsRunSchema) })

/** The record of the runs, next to the index. */
export const RUNS_FILE = 'runs.json'

/** The runs page written when `{docs}/index.html` is a page the suite did not write. */
export const RUNS_PAGE_BESIDE = 'kamui-runs.html'

/**
 * The marker in every runs page the suite writes: `{docs}/index.html` is rewritten only when it
 * holds it (or is the runs page of an earlier version: `<title>kamui runs</title>` with
 * `<ul id="runs">`), so a page written by hand is never overwritten.
 */
export const RUNS_PAGE_MARKER = '<meta name="generator" content="kamui-media-actions runs index" />'

/** What {@link updateDocsIndex} wrote. */
export interface DocsIndexResult {
  /** Every listed run. */
  runs: DocsRun[]
  /** Absolute path of the runs page written (`index.html` or {@link RUNS_PAGE_BESIDE}). */
  file: string
  /** True when `{docs}/index.html` was not written by the suite and was left as it is. */
  kept: boolean
  /** The figures drawn on the page. */
  stats: RunStats
}

/** Folders never taken for runs while scanning (site assets and metadata). */
const SKIPPED = new Set(['node_modules', '.git', 'web', 'assets', 'metadata', 'three'])
/** How deep below the docs folder runs are looked for. */
const MAX_DEPTH = 4

/**
 * Adds (or replaces) `run` in the docs folder's list and rewrites `{docs}/runs.json` and the
 * runs page: `{docs}/index.html` when it is absent or was written by the suite (it holds
 * {@link RUNS_PAGE_MARKER}), else `{docs}/kamui-runs.html` beside it (a page written by hand is
 * never overwritten). The page shows the runs dashboard drawn from the journals under `{docs}`
 * (`collectRunStats`). Earlier entries are kept: those recorded in `runs.json`, and every other
 * folder below `{docs}` holding an `index.markup` (a run published before this record existed,
 * such as a legacy run; its title is read from the page's `<title>`, a heuristic), scanned down
 * to 4 levels and not below a folder that has one. Entries whose folder no longer holds an
 * `index.markup` are dropped. Newest first; runs without a date after, by folder name.
 *
 * @returns the listed runs, the page written and the figures
 */
export async function updateDocsIndex(docsRoot: string, run: DocsRun): Promise<DocsIndexResult> {
  if (run.folder === '' || run.folder === '.' || run.folder.startsWith('..')) {
    throw new KamuiError(
      'FS_003',
      `docs-folder ${docsRoot} is the player's own folder (or lies inside it): its index.html ` +
        'would overwrite the player page. Use a docs-folder such as docs that holds the run folders.',
    )
  }
  const recorded = await readRuns(path.join(docsRoot, RUNS_FILE))
  const byFolder = new Map<string, DocsRun>()
  for (const entry of recorded) byFolder.set(entry.folder, entry)
  for (const folder of await scanRunFolders(docsRoot)) {
    if (!byFolder.has(folder)) byFolder.set(folder, await scannedRun(docsRoot, folder))
  }
  byFolder.set(run.folder, run)
  const present = await Promise.all(
    [...byFolder.values()].map(async (entry) =>
      (await hasIndex(path.join(docsRoot, ...entry.folder.split('/')))) ? entry : undefined,
    ),
  )
  const runs = present
    .filter((e): e is DocsRun => e !== undefined)
    .sort(
      (a, b) =>
        (b.created_at ?? '').localeCompare(a.created_at ?? '') ||
        b.folder.localeCompare(a.folder, 'en', { numeric: true }),
    )
  await writeFileAtomic(
    path.join(docsRoot, RUNS_FILE),
    `${JSON.stringify({ schema_version: 1, runs }, null, 2)}\n`,
  )
  const stats = await collectRunStats(docsRoot)
  const kept = !(await isSuiteIndex(path.join(docsRoot, 'index.html')))
  const file = path.join(docsRoot, kept ? RUNS_PAGE_BESIDE : 'index.html')
  await writeFileAtomic(file, renderDocsIndex(runs, stats))
  return { runs, file, kept, stats }
}

/** Whether `file` is absent or a runs page the suite wrote (see {@link RUNS_PAGE_MARKER}). */
async function isSuiteIndex(file: string): Promise<boolean> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) =>
    error.code === 'ENOENT' ? undefined : '',
  )
  if (text === undefined) return true
  const head = text.slice(0, 64 * 1024)
  return (
    head.includes(RUNS_PAGE_MARKER) ||
    (head.includes('<title>kamui runs</title>') && head.includes('<ul id="runs">'))
  )
}

/**
 * The runs page: a list of every run with a relative link to `{folder}/` and, beside it, the
 * dashboard of the figures (when given). No script and no request: it works offline.
 */
export function renderDocsIndex(runs: readonly DocsRun[], stats?: RunStats): string {
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        ${new SafeHtml(RUNS_PAGE_MARKER)}
        <title>kamui runs</title>
        <style>
          ${new SafeHtml(INDEX_CSS)}
        </style>
      </head>
      <body>
        <h1>kamui runs</h1>
        <div class="runs-layout">
        <section class="runs-list">
        <p>${runs.length} run${runs.length === 1 ? '' : 's'}, newest first.</p>
        <ul id="runs">
          ${runs.map(
            (
              run,
            ) => markup`<li data-folder="${run.folder}"><a href="${relativeUrl(run.folder)}/">${truncate(run.title || run.folder, 200)}</a>${run.preview ? markup` <span class="badge-preview">PREVIEW</span>` : ''}<br><span class="meta">${runMeta(run)}</span></li>
          `,
          )}
        </ul>
        </section>
        ${stats ? renderDashboard(stats) : ''}
        </div>
      </body>
    </html>
`.value
}

/** The grey line under a run's link: folder, date, execution time, counts. */
function runMeta(run: DocsRun): string {
  return [
    run.folder,
    run.created_at ?? '',
    run.execution_time && run.execution_time !== 'Unknown'
      ? `execution time ${run.execution_time}`
      : '',
    run.images !== null ? `${run.images} image${run.images === 1 ? '' : 's'}` : '',
    run.videos !== null ? `${run.videos} video${run.videos === 1 ? '' : 's'}` : '',
    run.point_cloud ? 'point cloud' : '',
  ]
    .filter((p) => p !== '')
    .join(' · ')
}

async function readRuns(file: string): Promise<DocsRun[]> {
  try {
    const parsed = RunsFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
    return parsed.success ? parsed.data.runs : []
  } catch {
    return []
  }
}

async function hasIndex(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries.some((e) => e.isFile() && e.name === 'index.html')
}

/** Folders below `root` (relative, forward slashes) holding an index.html; see {@link updateDocsIndex}. */
async function scanRunFolders(root: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) return
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (!entry.isDirectory() || SKIPPED.has(entry.name) || entry.name.startsWith('.')) continue
      const sub = path.join(dir, entry.name)
      if (await hasIndex(sub)) found.push(path.relative(root, sub).split(path.sep).join('/'))
      else await walk(sub, depth + 1)
    }
  }
  await walk(root, 1)
  return found
}

async function scannedRun(root: string, folder: string): Promise<DocsRun> {
  const page = await readFile(path.join(root, ...folder.split('/'), 'index.html'), 'utf8').catch(
    () => '',
  )
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page.slice(0, 64 * 1024))?.[1] ?? ''
  return {
    folder,
    title: decodeEntities(title.replace(/\s+/g, ' ').trim()) || folder,
    created_at: null,
    execution_time: null,
    preview: null,
    images: null,
    videos: null,
    point_cloud: null,
  }
}

/** The five entities the templates write, plus numeric ones (the text is escaped again when shown). */
function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d{1,7});/g, (_, n: string) => codePoint(Number(n)))
    .replace(/&#x([0-9a-f]{1,6});/gi, (_, n: string) => codePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

function codePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '\uFFFD'
}
