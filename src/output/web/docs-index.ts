import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import { truncate } from './format.js'
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

/** Folders never taken for runs while scanning (site assets and metadata). */
const SKIPPED = new Set(['node_modules', '.git', 'web', 'assets', 'metadata', 'three'])
/** How deep below the docs folder runs are looked for. */
const MAX_DEPTH = 4

/**
 * Adds (or replaces) `run` in the docs folder's list and rewrites `{docs}/runs.json` and
 * `{docs}/index.markup`. Earlier entries are kept: those recorded in `runs.json`, and every other
 * folder below `{docs}` holding an `index.markup` (a run published before this record existed,
 * such as a legacy run; its title is read from the page's `<title>`, a heuristic), scanned down
 * to 4 levels and not below a folder that has one. Entries whose folder no longer holds an
 * `index.markup` are dropped. Newest first; runs without a date after, by folder name.
 *
 * @returns every listed run
 */
export async function updateDocsIndex(docsRoot: string, run: DocsRun): Promise<DocsRun[]> {
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
  await writeFileAtomic(path.join(docsRoot, 'index.html'), renderDocsIndex(runs))
  return runs
}

/** `docs/index.markup`: a list of every run with a relative link to `{folder}/`. */
export function renderDocsIndex(runs: readonly DocsRun[]): string {
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>kamui runs</title>
        <style>
          ${new SafeHtml(INDEX_CSS)}
        </style>
      </head>
      <body>
        <h1>kamui runs</h1>
        <p>${runs.length} run${runs.length === 1 ? '' : 's'}, newest first.</p>
        <ul id="runs">
          ${runs.map(
            (
              run,
            ) => markup`<li data-folder="${run.folder}"><a href="${relativeUrl(run.folder)}/">${truncate(run.title || run.folder, 200)}</a>${run.preview ? markup` <span class="badge-preview">PREVIEW</span>` : ''}<br><span class="meta">${runMeta(run)}</span></li>
          `,
          )}
        </ul>
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
