import {
  lutimes,
  mkdir,
  readdir,
  readFile,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pruneRuns } from '../../../src/output/ledger/prune.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'

const DAY = 86_400_000
const NOW = Date.parse('2026-12-02T00:00:00.000Z')
const iso = (ms: number): string => new Date(ms).toISOString()

/** A run folder whose journal's last line is at `journalAt` and whose files date from `filesAt`. */
async function runFolder(folder: string, journalAt: number, filesAt = journalAt): Promise<void> {
  await mkdir(path.join(folder, 'metadata'), { recursive: true })
  await mkdir(path.join(folder, 'images'), { recursive: true })
  const line = {
    v: 1,
    at: iso(journalAt),
    event: 'run',
    stage: 'image-generation',
    request: '0'.repeat(64),
    seed: 1,
  }
  await writeFile(path.join(folder, 'metadata/journal.jsonl'), `${JSON.stringify(line)}\n`)
  await writeFile(path.join(folder, 'images/a.png'), Buffer.alloc(100))
  for (const file of ['metadata/journal.jsonl', 'images/a.png'])
    await utimes(path.join(folder, file), filesAt / 1000, filesAt / 1000)
}

async function cacheEntry(cache: string, n: number, createdAt: number): Promise<string> {
  const key = n.toString(16).padStart(64, '0')
  const dir = path.join(cache, 'jobs', key.slice(0, 2))
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, `${key}.0.png`), Buffer.alloc(10))
  await writeFile(
    path.join(dir, `${key}.json`),
    JSON.stringify({
      version: 2,
      namespace: 'jobs',
      key,
      created_at: iso(createdAt),
      value: {},
      files: [],
    }),
  )
  return key
}

describe('pruneRuns', () => {
  let root: string
  beforeEach(async () => {
    root = await tempWorkspace('kamui-prune-')
  })
  afterEach(async () => {
    await removeDir(root)
  })

  it('removes only run folders older than the retention, never the newer ones', async () => {
    await runFolder(path.join(root, 'runs/old'), NOW - 40 * DAY)
    await runFolder(path.join(root, 'runs/new'), NOW - 2 * DAY)
    // An old journal, but a file written yesterday: the folder is not older than the retention.
    await runFolder(path.join(root, 'runs/touched'), NOW - 40 * DAY, NOW - 1 * DAY)
    const result = await pruneRuns(root, { retentionDays: 30, now: NOW })
    expect(result.removed.map((r) => [r.kind, r.path])).toEqual([['run-folder', 'runs/old']])
    expect(result.removed[0]?.bytes).toBeGreaterThan(100)
    expect(result.kept.sort()).toEqual(['runs/new', 'runs/touched'])
    expect((await readdir(path.join(root, 'runs'))).sort()).toEqual(['new', 'touched'])
    expect(result.cutoff).toBe(iso(NOW - 30 * DAY))
  })

  it('lists without removing in a dry run', async () => {
    await runFolder(path.join(root, 'old'), NOW - 40 * DAY)
    const before = await listFiles(root)
    const result = await pruneRuns(root, { retentionDays: 30, now: NOW, dryRun: true })
    expect(result.dryRun).toBe(true)
    expect(result.removed.map((r) => r.path)).toEqual(['old'])
    expect(await listFiles(root)).toEqual(before)
  })

  it('keeps an outer run folder holding a newer nested one, and never removes the root', async () => {
    await runFolder(root, NOW - 90 * DAY)
    await runFolder(path.join(root, 'pipeline'), NOW - 90 * DAY)
    await runFolder(path.join(root, 'pipeline/images'), NOW - 1 * DAY)
    const result = await pruneRuns(root, { retentionDays: 30, now: NOW })
    expect(result.removed).toEqual([])
    expect(result.kept.sort()).toEqual(['pipeline', 'pipeline/images'])
    expect(await stat(path.join(root, 'metadata/journal.jsonl'))).toBeTruthy()
  })

  it('prunes cache entries made before the cut-off, entry and files', async () => {
    const cache = path.join(root, 'cache')
    const old = await cacheEntry(cache, 1, NOW - 40 * DAY)
    const fresh = await cacheEntry(cache, 2, NOW - 1 * DAY)
    await mkdir(path.join(root, 'runs'))
    const result = await pruneRuns(path.join(root, 'runs'), {
      retentionDays: 30,
      now: NOW,
      cacheFolder: cache,
    })
    expect(result.removed.map((r) => r.path)).toEqual([`jobs/00/${old}.json`])
    expect(result.removed[0]?.bytes).toBeGreaterThan(10)
    const left = await listFiles(cache)
    expect(left.some((f) => f.includes(old))).toBe(false)
    expect(left.filter((f) => f.includes(fresh))).toHaveLength(2)
  })

  it('removes a link inside an old run folder, never what it points to', async () => {
    const outside = await tempWorkspace('kamui-prune-outside-')
    try {
      await writeFile(path.join(outside, 'keep.txt'), 'mine')
      await runFolder(path.join(root, 'old'), NOW - 40 * DAY)
      await symlink(outside, path.join(root, 'old', 'link'))
      const old = (NOW - 40 * DAY) / 1000
      await lutimes(path.join(root, 'old', 'link'), old, old)
      // A link to a run folder elsewhere is not a run folder under the root.
      await runFolder(path.join(outside, 'run'), NOW - 40 * DAY)
      await symlink(path.join(outside, 'run'), path.join(root, 'linked-run'))
      const result = await pruneRuns(root, { retentionDays: 30, now: NOW })
      expect(result.removed.map((r) => r.path)).toEqual(['old'])
      expect(await readFile(path.join(outside, 'keep.txt'), 'utf8')).toBe('mine')
      expect(await listFiles(path.join(outside, 'run'))).toHaveLength(2)
    } finally {
      await removeDir(outside)
    }
  })

  it('refuses a retention that is not a positive number of days (CFG_001)', async () => {
    await expect(pruneRuns(root, { retentionDays: 0 })).rejects.toMatchObject({ code: 'CFG_001' })
    await expect(pruneRuns(root, { retentionDays: Number.NaN })).rejects.toMatchObject({
      code: 'CFG_001',
    })
  })
})
