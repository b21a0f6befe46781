import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import type { GenerationReport } from '../../../src/contracts/generation-report.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { webPlayerGenerationCommand } from '../../../src/stages/web-player-generation/commands.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../../../src/output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../../src/output/telemetry/run-info.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { Redactor } from '../../../src/core/redactor.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import {
  keepScreenshot as keep,
  launchChromium,
  serveFolder,
  watchPage,
  type StaticServer,
} from './browser.js'
import { pixelsUnlike, writeTestMp4, writeTestPly, writeTestWav } from './fixtures.js'

const CONCEPT = '<img src=x onerror=alert(1)>'
const FOLDER = 'out/run'

/** The parts of browser elements the test reads (the test compiles without the DOM library). */
interface BrowserImage {
  complete: boolean
  naturalWidth: number
}
interface BrowserVideo {
  id: string
  currentSrc: string
  canPlayType(type: string): string
}

/**
 * Records files as preview output of `stage` in `{folder}/metadata/artifact-metadata.json`, as
 * the video and point-cloud stages do for preview-made files (earlier records are kept).
 */
async function recordPreview(folder: string, stage: string, files: string[]): Promise<void> {
  const model = {
    alias: `preview:${stage}`,
    provider: 'preview',
    server: 'kamui-preview',
    tool: null,
    workflow: null,
  }
  const artifacts = await Promise.all(
    files.map((f) => describeArtifact(folder, f, { model, preview: true })),
  )
  const run = runInfoFromEnv({}, new Date(Date.now() - 1000))
  await writeArtifactMetadata(
    folder,
    buildArtifactMetadata({ stage, run, endedAt: new Date(), artifacts }),
    new Redactor(),
  )
}

describe('web-player-generation, loaded in Chromium', () => {
  let browser: Browser
  let workspace: string
  let outputs: Record<string, string>
  let report: GenerationReport
  let points: number

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-player-')
    const context = testContext(workspace, {
      env: { PATH: process.env['PATH'], GITHUB_REPOSITORY: 'Octo-Org/kamui-demo' },
    })
    // The run: three preview images with a report, two clips and a final video, music, a PLY.
    await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'A lighthouse on a cliff at sunset',
        'folder-name': FOLDER,
        'image-count': '3',
        models: 'imagen4-fast,flux-schnell',
        'image-size': '128x128',
        seed: '11',
        'generation-strategy': 'parallel',
      }),
      context,
    )
    const folder = path.join(workspace, FOLDER)
    report = JSON.parse(
      await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8'),
    ) as GenerationReport
    await Promise.all([
      writeTestMp4(path.join(folder, 'videos/segment-1.mp4')),
      writeTestMp4(path.join(folder, 'videos/segment-2.mp4')),
      writeTestMp4(path.join(folder, 'final/final-music-video.mp4'), '128x96'),
      writeTestWav(path.join(folder, 'music/generated-music.wav')),
    ])
    points = await writeTestPly(path.join(folder, 'pointcloud/pointcloud.ply'))
    await recordPreview(folder, 'video-generation', [
      'videos/segment-1.mp4',
      'videos/segment-2.mp4',
      'final/final-music-video.mp4',
    ])
    await recordPreview(path.join(folder, 'pointcloud'), 'pointcloud-generation', [
      'pointcloud.ply',
    ])
    // An earlier run already published under docs/ (a legacy page without runs.json).
    await mkdir(path.join(workspace, 'docs/legacy-run'), { recursive: true })
    await writeFile(
      path.join(workspace, 'docs/legacy-run/index.html'),
      '<!doctype html><title>Old &amp; gold</title><p>legacy</p>',
    )
    const result = await webPlayerGenerationCommand.run(
      { 'folder-name': FOLDER, 'music-concept': CONCEPT, 'execution-time': '1m 02s' },
      context,
    )
    outputs = result.outputs
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await removeDir(workspace)
  })

  it('sets the legacy outputs and writes the page, its assets, the docs copy and the index', async () => {
    expect(outputs).toEqual({
      'web-player-created': 'true',
      'web-player-url': 'https://octo-org.github.io/kamui-demo/out/run/',
      'docs-deployed': 'true',
      'web-player-path': 'out/run/index.html',
    })
    const site = await listFiles(path.join(workspace, FOLDER))
    expect(site).toEqual(
      expect.arrayContaining([
        'index.html',
        'web/assets/kamui-viewer.js',
        'web/pointcloud-data.js',
        'web/thumbs/image-1.webp',
        'web/thumbs/image-2.webp',
        'web/thumbs/image-3.webp',
      ]),
    )
    // three.js is bundled into the one classic viewer script: no module files.
    expect(site.filter((f) => f.startsWith('web/assets/'))).toEqual(['web/assets/kamui-viewer.js'])
    const docs = await listFiles(path.join(workspace, 'docs', FOLDER))
    expect(docs).toEqual([
      'final/final-music-video.mp4',
      'images/generated-image-1.png',
      'images/generated-image-2.png',
      'images/generated-image-3.png',
      'index.html',
      'metadata/artifact-metadata.json',
      'metadata/generation-report.json',
      'metadata/journal.jsonl',
      'music/generated-music.wav',
      'pointcloud/pointcloud.ply',
      'videos/segment-1.mp4',
      'videos/segment-2.mp4',
      'web/pointcloud-data.js',
      'web/thumbs/image-1.webp',
      'web/thumbs/image-2.webp',
      'web/thumbs/image-3.webp',
    ])
    // The docs site holds one viewer bundle (three.js inside) for all its runs, not one per run.
    const shared = (await listFiles(path.join(workspace, 'docs'))).filter((f) =>
      /kamui-viewer|three/.test(f),
    )
    expect(shared).toEqual([expect.stringMatching(/^assets\/kamui-viewer-[0-9a-f]{12}\.js$/)])
    const docsHtml = await readFile(path.join(workspace, 'docs', FOLDER, 'index.html'), 'utf8')
    expect(docsHtml).toContain(`<script src="../../${shared[0] as string}"></script>`)
    for (const folder of [FOLDER, `docs/${FOLDER}`]) {
      const verification = await verifyTelemetry(path.join(workspace, folder))
      expect(verification.problems).toEqual([])
    }
    const html = await readFile(path.join(workspace, FOLDER, 'index.html'), 'utf8')
    expect(html).not.toContain(CONCEPT)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    // No CDN and no absolute URL anywhere in the page: it works from any folder.
    expect(html).not.toMatch(/(src|href)="(https?:|\/)/)
  })

  /** Everything the page must show, wherever it is served from. */
  async function checkPlayer(server: StaticServer, url: string, shot: string): Promise<void> {
    const page: Page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    const problems = watchPage(page)
    try {
      await page.goto(url)
      await page.waitForSelector('[data-kamui-viewer][data-state="ready"]', { timeout: 20_000 })

      // The concept shows as text and runs nothing.
      expect(await page.textContent('#concept')).toBe(CONCEPT)
      expect(await page.locator('img[src="x"]').count()).toBe(0)

      // The gallery shows every image, each loaded; the primary one is marked.
      const made = report.images.filter((i) => i.status === 'ok')
      const items = page.locator('.gallery-item')
      expect(await items.count()).toBe(made.length)
      // Thumbnails load lazily: bring each into view first.
      for (const img of await page.locator('.gallery-item img').all()) {
        await img.scrollIntoViewIfNeeded()
      }
      await page.waitForFunction(
        '[...document.querySelectorAll(".gallery-item img")].every((i) => i.complete && i.naturalWidth > 0)',
      )
      const loaded = await page.$$eval('.gallery-item img', (imgs) =>
        imgs.map(
          (img) =>
            (img as unknown as BrowserImage).complete &&
            (img as unknown as BrowserImage).naturalWidth,
        ),
      )
      expect(loaded).toEqual(made.map(() => 128))
      const primaries = await page.$$eval('.gallery-item[data-primary="true"]', (els) =>
        els.map((el) => [
          el.getAttribute('data-image-number'),
          el.textContent?.includes('PRIMARY'),
        ]),
      )
      expect(primaries).toEqual([[String(report.generation_summary.primary_image_number), true]])
      const captions = await items.allTextContents()
      made.forEach((image, i) => {
        expect(captions[i]).toContain(image.model)
        expect(captions[i]).toContain((image.quality_score as number).toFixed(2))
        expect(captions[i]).toContain('PREVIEW')
      })
      expect(await page.textContent('#preview-banner')).toContain(
        'The images, videos, point cloud marked PREVIEW',
      )

      // Every video element has a playable source that the server delivers.
      const videos = await page.$$eval('video', (els) =>
        els.map((el) => {
          const video = el as unknown as BrowserVideo
          return { id: video.id, src: video.currentSrc, canPlay: video.canPlayType('video/mp4') }
        }),
      )
      expect(videos.map((v) => v.id)).toEqual(['final-video', 'clip-1', 'clip-2'])
      // A string: the test compiles without the DOM library.
      await page.waitForFunction(
        '[...document.querySelectorAll("video")].every((v) => v.readyState >= 1 && v.duration > 0)',
        undefined,
        { timeout: 15_000 },
      )
      const videoCaptions = await page.$$eval('video + p', (ps) => ps.map((p) => p.textContent))
      for (const caption of videoCaptions)
        expect(caption).toMatch(/preview:video-generation\s*PREVIEW/)
      expect(await page.textContent('#music + p, #music .meta')).not.toContain('PREVIEW')
      expect(await page.textContent('.pointcloud .viewer-panel')).toContain('PREVIEW output')
      for (const video of videos) {
        expect(video.canPlay).not.toBe('')
        expect(video.src.startsWith(server.origin)).toBe(true)
        expect((await page.request.get(video.src)).status()).toBe(200)
      }
      expect(
        await page.$eval('#music-player', (el) => (el as unknown as BrowserVideo).currentSrc),
      ).toMatch(/music\/generated-music\.wav$/)

      // The point cloud is drawn: the canvas is not blank.
      expect(await page.getAttribute('[data-kamui-viewer]', 'data-points')).toBe(String(points))
      await page.addStyleTag({ content: '.viewer-panel { visibility: hidden; }' })
      const canvas = page.locator('.pointcloud canvas')
      await canvas.scrollIntoViewIfNeeded()
      const png = await canvas.screenshot()
      await keep(`${shot}-canvas.png`, png)
      const { differing, total } = await pixelsUnlike(png, '#1a1a1a')
      expect(differing / total).toBeGreaterThan(0.2)

      // The report is a readable table.
      expect(await page.locator('.report-images tbody tr').count()).toBe(report.images.length)
      expect(await page.textContent('.report-summary')).toContain(
        'A lighthouse on a cliff at sunset',
      )

      await page.addStyleTag({ content: '.viewer-panel { visibility: visible; }' })
      await keep(`${shot}-page.png`, await page.screenshot({ fullPage: true }))
      expect(problems).toEqual({
        pageErrors: [],
        consoleErrors: [],
        dialogs: [],
        failedRequests: [],
      })
    } finally {
      await page.close()
    }
  }

  it('shows every image, the primary marked, playable videos, the point cloud, no errors', async () => {
    const server = await serveFolder(workspace)
    try {
      await checkPlayer(server, `${server.origin}/${FOLDER}/`, 'folder')
    } finally {
      await server.close()
    }
  })

  it('works the same from docs/{folder}/ served as a Pages project site (relative paths only)', async () => {
    // GitHub Pages serves docs/ below /{repo}/: an absolute path in the page would miss it.
    const server = await serveFolder(path.join(workspace, 'docs'), '/kamui-demo/')
    try {
      await checkPlayer(server, `${server.origin}/kamui-demo/${FOLDER}/`, 'docs')
      // Nothing outside docs/ was asked for.
      expect(server.requests.filter((r) => r.status >= 400)).toEqual([])
    } finally {
      await server.close()
    }
  })

  it('lists this run and the earlier one in docs/index.html, with links that resolve', async () => {
    const server = await serveFolder(path.join(workspace, 'docs'))
    const page = await browser.newPage()
    const problems = watchPage(page)
    try {
      await page.goto(`${server.origin}/`)
      const links = await page.$$eval('#runs a', (as) =>
        as.map((a) => ({ text: a.textContent, href: (a as unknown as { href: string }).href })),
      )
      expect(links).toEqual([
        { text: CONCEPT, href: `${server.origin}/${FOLDER}/` },
        { text: 'Old & gold', href: `${server.origin}/legacy-run/` },
      ])
      for (const link of links) expect((await page.request.get(link.href)).status()).toBe(200)
      expect(problems.dialogs).toEqual([])
      const runs = JSON.parse(await readFile(path.join(workspace, 'docs/runs.json'), 'utf8')) as {
        runs: { folder: string; preview: boolean | null; images: number | null }[]
      }
      expect(runs.runs.map((r) => [r.folder, r.preview, r.images])).toEqual([
        [FOLDER, true, 3],
        ['legacy-run', null, null],
      ])
    } finally {
      await page.close()
      await server.close()
    }
  })
})
