import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JournalLine } from '../../../src/contracts/journal.js'
import { updateDocsIndex, type DocsRun } from '../../../src/output/web/docs-index.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { keepScreenshot, launchChromium, watchPage } from './browser.js'

/** A model alias that tries to end the SVG text and run a script. */
const HOSTILE = 'flux "pro" </text><script>alert(1)</script>'
const AT = '2026-01-02T03:04:05.000Z'
const key = (n: number): string => n.toString(16).padStart(64, '0')
const mcp = (server: string) => ({
  provider: 'mcp' as const,
  server,
  tools: ['generate'],
  id: 'request-1',
  workflow: null,
})
const comfy = {
  provider: 'comfyui' as const,
  server: 'http://gpu:8188',
  tools: [],
  id: 'p-1',
  workflow: 'sdxl',
}

/** The lines of one job: planned, submitted, then completed (ms) or failed, and its cost. */
function job(
  n: number,
  label: string,
  handle: typeof comfy | ReturnType<typeof mcp>,
  outcome: number | 'failed',
  usd: number | null,
): JournalLine[] {
  const base = { v: 1 as const, at: AT, key: key(n) }
  const lines: JournalLine[] = [
    {
      ...base,
      event: 'planned',
      label,
      provider: handle.provider,
      tools: handle.tools,
      workflow: handle.workflow,
    },
    { ...base, event: 'submitted', handle, resumed: false },
  ]
  if (outcome === 'failed') {
    lines.push({ ...base, event: 'failed', code: 'MCP_003', message: 'no', billed: false })
    return lines
  }
  lines.push(
    {
      ...base,
      event: 'completed',
      handle,
      urls: [],
      media_sha256: [],
      generation_ms: outcome,
      download_ms: 10,
    },
    { ...base, event: 'cost', usd },
  )
  return lines
}

async function writeRun(docs: string, folder: string, lines: JournalLine[]): Promise<void> {
  const dir = path.join(docs, folder)
  await mkdir(path.join(dir, 'metadata'), { recursive: true })
  await writeFile(path.join(dir, 'index.html'), `<title>${folder}</title>`)
  const run = {
    v: 1,
    at: AT,
    event: 'run',
    stage: 'image-generation-v2',
    request: key(99),
    seed: 1,
  }
  await writeFile(
    path.join(dir, 'metadata/journal.jsonl'),
    [run, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n',
  )
}

const entry = (folder: string): DocsRun => ({
  folder,
  title: folder,
  created_at: AT,
  execution_time: null,
  preview: false,
  images: 2,
  videos: 0,
  point_cloud: false,
})

describe('the runs dashboard on the docs runs page (issue 16 §5)', () => {
  let docs: string
  let html: string
  let browser: Browser

  beforeAll(async () => {
    docs = await tempWorkspace('kamui-dashboard-')
    await writeRun(docs, 'run-a', [
      ...job(1, HOSTILE, mcp('fal'), 4000, 0.04),
      ...job(2, HOSTILE, mcp('fal'), 'failed', null),
      ...job(3, 'image 3 (sdxl-local)', comfy, 12_000, null),
    ])
    await writeRun(docs, 'run-b', job(4, 'preview:imagen4-fast', mcp('kamui-preview'), 50, 0))
    const result = await updateDocsIndex(docs, entry('run-b'))
    expect(result.stats.generations).toEqual({
      total: 4,
      completed: 3,
      failed: 1,
      successRate: 0.75,
    })
    html = await readFile(result.file, 'utf8')
    browser = await launchChromium()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await removeDir(docs)
  })

  it('draws the kamui stats figures from the journals as inline SVG beside the runs', () => {
    for (const id of ['chart-success', 'chart-time', 'chart-placement', 'chart-cost'])
      expect(html).toMatch(new RegExp(`<figure class="chart" id="${id}">[\\s\\S]*?<svg `))
    expect(html).toContain('From 2 run journals (2 stage runs, 4 generations)')
    // Success rate: 3 of 4 overall; the hostile model 1 of 2.
    expect(html).toMatch(
      /all models<title>all models<\/title><\/text><rect[^>]*><\/rect><text[^>]*>75.0 % \(3\/4\)/,
    )
    expect(html).toContain('50.0 % (1/2)')
    // Generation time per model with the p95; where they ran; cost with an unknown price kept unknown.
    expect(html).toContain('12.0 s (p95 12.0 s, 1 job)')
    expect(html).toContain('local share of local + hosted: 50.0 %')
    expect(html).toContain('Cost (total unknown (≥ $0.040 known, 1 unpriced))')
    // The page loads nothing: no script and no external URL.
    expect(html).not.toMatch(/<script\b/)
    expect(html).not.toMatch(/(src|href)="https?:/)
  })

  it('escapes hostile model names', () => {
    expect(html).not.toContain('<script>alert(1)')
    expect(html).not.toContain('"pro" </text>')
    expect(html).toContain(
      'flux &quot;pro&quot; &lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt;',
    )
  })

  it('renders in Chromium from the file system without errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    const problems = watchPage(page)
    try {
      await page.goto(pathToFileURL(path.join(docs, 'index.html')).href)
      expect(await page.locator('#runs li').count()).toBe(2)
      // Every chart is laid out beside the list, with its bars drawn.
      for (const id of ['chart-success', 'chart-time', 'chart-placement', 'chart-cost']) {
        const box = await page.locator(`#${id} svg`).boundingBox()
        expect(box?.width).toBeGreaterThan(200)
      }
      const list = await page.locator('#runs').boundingBox()
      const charts = await page.locator('#dashboard').boundingBox()
      expect((charts?.x ?? 0) > (list?.x ?? 0) + (list?.width ?? 0) - 1).toBe(true)
      const bars = await page.$$eval('#chart-success rect', (rects) =>
        rects.map((r) => Number(r.getAttribute('width'))),
      )
      // All models 75 %, then by name: the hostile one 50 %, preview and local 100 % (410 px).
      expect(bars).toEqual([307.5, 205, 410, 410])
      expect(await page.textContent('#chart-success')).toContain(HOSTILE.slice(0, 22))
      await keepScreenshot('dashboard.png', await page.screenshot({ fullPage: true }))
      expect(problems).toEqual({
        pageErrors: [],
        consoleErrors: [],
        dialogs: [],
        failedRequests: [],
      })
    } finally {
      await page.close()
    }
  })
})
