import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  RUNS_PAGE_MARKER,
  updateDocsIndex,
  type DocsRun,
} from '../../../src/output/web/docs-index.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

const run = (folder: string, title: string, created_at: string | null): DocsRun => ({
  folder,
  title,
  created_at,
  execution_time: 'Unknown',
  preview: true,
  images: 2,
  videos: 1,
  point_cloud: false,
})

async function page(docs: string, folder: string, html = '<title>t</title>'): Promise<void> {
  await mkdir(path.join(docs, folder), { recursive: true })
  await writeFile(path.join(docs, folder, 'index.html'), html)
}

describe('updateDocsIndex', () => {
  let docs: string
  beforeEach(async () => {
    docs = await tempWorkspace('kamui-docs-')
  })
  afterEach(async () => {
    await removeDir(docs)
  })

  it('keeps recorded runs and pages found on disk, newest first, and escapes titles', async () => {
    await page(docs, 'a')
    await updateDocsIndex(docs, run('a', 'First <b>run</b>', '2025-01-01T00:00:00.000Z'))
    // A legacy page without a record, with a subpage that is not a run of its own.
    await page(
      docs,
      'legacy/2024-run',
      '<html><head><title>Bouquet &amp; roses</title></head></html>',
    )
    await page(docs, 'legacy/2024-run/viewer')
    // Asset folders are never runs.
    await page(docs, 'a/web/assets')
    await page(docs, 'b')
    const { runs } = await updateDocsIndex(docs, run('b', 'Second', '2025-02-01T00:00:00.000Z'))
    expect(runs.map((r) => [r.folder, r.title])).toEqual([
      ['b', 'Second'],
      ['a', 'First <b>run</b>'],
      ['legacy/2024-run', 'Bouquet & roses'],
    ])
    const html = await readFile(path.join(docs, 'index.html'), 'utf8')
    expect(html).toContain('<a href="a/">First &lt;b&gt;run&lt;/b&gt;</a>')
    expect(html).toContain('<a href="legacy/2024-run/">Bouquet &amp; roses</a>')
    expect(html).not.toContain('<b>run</b>')
    const stored = JSON.parse(await readFile(path.join(docs, 'runs.json'), 'utf8')) as {
      runs: DocsRun[]
    }
    expect(stored.runs).toEqual(runs)
  })

  it('replaces the entry of a re-run folder and drops folders that are gone', async () => {
    await page(docs, 'a')
    await page(docs, 'b')
    await updateDocsIndex(docs, run('a', 'old title', '2025-01-01T00:00:00.000Z'))
    await updateDocsIndex(docs, run('b', 'b', '2025-01-02T00:00:00.000Z'))
    await rm(path.join(docs, 'b'), { recursive: true })
    const { runs } = await updateDocsIndex(docs, run('a', 'new title', '2025-03-01T00:00:00.000Z'))
    expect(runs.map((r) => [r.folder, r.title])).toEqual([['a', 'new title']])
  })

  it("never overwrites an index.html it did not write; rewrites its own and an earlier version's", async () => {
    await page(docs, 'a')
    const mine =
      '<!doctype html><title>My site</title><p>kamui runs are <a href="kamui-runs.html">here</a></p>'
    await writeFile(path.join(docs, 'index.html'), mine)
    const kept = await updateDocsIndex(docs, run('a', 'A', '2025-01-01T00:00:00.000Z'))
    expect(kept).toMatchObject({ kept: true, file: path.join(docs, 'kamui-runs.html') })
    expect(await readFile(path.join(docs, 'index.html'), 'utf8')).toBe(mine)
    expect(await readFile(path.join(docs, 'kamui-runs.html'), 'utf8')).toContain(RUNS_PAGE_MARKER)
    // The runs page of an earlier version (no marker) is the suite's: rewritten in place.
    const earlier =
      '<!doctype html><html><head><title>kamui runs</title></head><body><ul id="runs"></ul></body></html>'
    await writeFile(path.join(docs, 'index.html'), earlier)
    const replaced = await updateDocsIndex(docs, run('a', 'A', '2025-01-01T00:00:00.000Z'))
    expect(replaced).toMatchObject({ kept: false, file: path.join(docs, 'index.html') })
    const written = await readFile(path.join(docs, 'index.html'), 'utf8')
    expect(written).toContain(RUNS_PAGE_MARKER)
    // …and from then on recognised by its marker.
    expect((await updateDocsIndex(docs, run('a', 'A', null))).kept).toBe(false)
  })

  it('starts over from the pages on disk when runs.json is unreadable', async () => {
    await page(docs, 'x', '<title>X</title>')
    await writeFile(path.join(docs, 'runs.json'), '{not json')
    await page(docs, 'y')
    const { runs } = await updateDocsIndex(docs, run('y', 'Y', '2025-01-01T00:00:00.000Z'))
    expect(runs.map((r) => r.folder)).toEqual(['y', 'x'])
  })
})
