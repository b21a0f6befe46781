import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderPreviewMusic } from '../../../src/media/preview/music.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { pointcloudGenerationCommand } from '../../../src/stages/pointcloud-generation/commands.js'
import { threejsPointcloudViewerCommand } from '../../../src/stages/threejs-pointcloud-viewer/commands.js'
import { webPlayerGenerationCommand } from '../../../src/stages/web-player-generation/commands.js'
import { parseWebPlayerInputs } from '../../../src/stages/web-player-generation/inputs.js'
import {
  runWebPlayer,
  type WebPlayerResult,
} from '../../../src/stages/web-player-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { keepScreenshot, launchChromium, serveFolder, watchPage } from './browser.js'
import { pixelsUnlike, writeTestMp4 } from './fixtures.js'

const FOLDER = 'out/demo'
const CONCEPT = 'A bouquet of red roses at golden hour by the sea'
/** What the demo's page may load before anyone clicks (issue 16), bytes. */
const BUDGET = 1_500_000
const HAND_WRITTEN = '<!doctype html>\n<title>My project</title>\n<p>Written by hand.</p>\n'

/**
 * The demo's player page (scripts/demo.ts: the pipeline on the preview server): three 1024×1024
 * preview images with their report, the point cloud of the primary image at the default 100,000
 * points with the preview depth, the synthesized PREVIEW music, a final video; the docs folder
 * already holds a hand-written index.html.
 */
describe('the web player opened from the file system and over HTTP (issue 16 §4)', () => {
  let browser: Browser
  let workspace: string
  let result: WebPlayerResult
  const logs: string[] = []

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-offline-')
    const context = testContext(workspace, { env: { PATH: process.env['PATH'] } })
    await runImageGeneration(
      parseV2Inputs({
        'image-prompt': CONCEPT,
        'folder-name': FOLDER,
        'image-count': '3',
        seed: '7',
      }),
      context,
    )
    await pointcloudGenerationCommand.run(
      {
        'input-image-path': `${FOLDER}/images/generated-image.png`,
        'output-folder': `${FOLDER}/pointcloud`,
        'depth-model': 'preview',
      },
      context,
    )
    const folder = path.join(workspace, FOLDER)
    await mkdir(path.join(folder, 'music'), { recursive: true })
    await writeFile(
      path.join(folder, 'music/preview-music.wav'),
      renderPreviewMusic(CONCEPT, 8).wav,
    )
    await writeTestMp4(path.join(folder, 'final/final-music-video.mp4'), '128x96')
    await mkdir(path.join(workspace, 'docs'), { recursive: true })
    await writeFile(path.join(workspace, 'docs/index.html'), HAND_WRITTEN)
    const logged = testContext(workspace)
    result = await runWebPlayer(
      parseWebPlayerInputs({ 'folder-name': FOLDER, 'music-concept': CONCEPT }),
      logged,
    )
    logs.push(...logged.logger.lines.map((l) => l.message))
    browser = await launchChromium()
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await removeDir(workspace)
  })

  /** Thumbnails, labels, a drawn cloud and no errors: what every way of opening must show. */
  async function checkPage(page: Page, url: string, shot: string): Promise<void> {
    const problems = watchPage(page)
    await page.goto(url)
    await page.waitForSelector('[data-kamui-viewer][data-state="ready"]', { timeout: 30_000 })
    expect(await page.locator('script[type="module"], script[type="importmap"]').count()).toBe(0)
    const thumbs = page.locator('.gallery-item img')
    expect(await thumbs.count()).toBe(3)
    for (const img of await thumbs.all()) await img.scrollIntoViewIfNeeded()
    await page.waitForFunction(
      '[...document.querySelectorAll(".gallery-item img")].every((i) => i.complete && i.naturalWidth > 0)',
      undefined,
      { timeout: 10_000 },
    )
    const shown = await page.$$eval('.gallery-item img', (imgs) =>
      imgs.map((img) => [img.getAttribute('src'), img.getAttribute('loading')]),
    )
    expect(shown).toEqual([1, 2, 3].map((n) => [`web/thumbs/image-${n}.webp`, 'lazy']))
    expect(await page.textContent('#music')).toMatch(/preview-music\.wav\s*PREVIEW/)
    expect(await page.textContent('.pointcloud .viewer-panel')).toContain('PREVIEW output')
    // 1024×1024 sampled every 4th pixel: 65,536 points in the file, one in 3 drawn.
    expect(await page.getAttribute('[data-kamui-viewer]', 'data-points')).toBe('21846')
    expect(await page.textContent('.pointcloud .viewer-panel')).toContain(
      '65,536 points in the file, 21,846 drawn (one in 3)',
    )
    await keepScreenshot(`offline-${shot}-page.png`, await page.screenshot({ fullPage: true }))
    await page.addStyleTag({ content: '.viewer-panel { visibility: hidden; }' })
    const canvas = page.locator('.pointcloud canvas')
    await canvas.scrollIntoViewIfNeeded()
    const png = await canvas.screenshot()
    await keepScreenshot(`offline-${shot}-canvas.png`, png)
    // A square cloud in a wide canvas: about 15 % of it.
    const { differing, total } = await pixelsUnlike(png, '#1a1a1a')
    expect(differing / total).toBeGreaterThan(0.1)
    expect(problems).toEqual({ pageErrors: [], consoleErrors: [], dialogs: [], failedRequests: [] })
  }

  it('works opened as a file (file:// URL), from the run folder and from its docs copy', async () => {
    for (const [name, page] of [
      ['folder', path.join(workspace, FOLDER, 'index.html')],
      ['docs', path.join(workspace, 'docs', FOLDER, 'index.html')],
    ] as const) {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } })
      try {
        await checkPage(tab, pathToFileURL(page).href, name)
      } finally {
        await tab.close()
      }
    }
  })

  it('over HTTP loads under 1.5 MB before anyone clicks, and the full image on click', async () => {
    const server = await serveFolder(path.join(workspace, 'docs'))
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    const loads: { url: string; type: string; bytes: number }[] = []
    page.on('requestfinished', (request) => {
      void request.sizes().then((sizes) =>
        loads.push({
          url: request.url(),
          type: request.resourceType(),
          bytes: sizes.responseBodySize + sizes.responseHeadersSize,
        }),
      )
    })
    try {
      await checkPage(page, `${server.origin}/${FOLDER}/`, 'http')
      await page.waitForTimeout(500)
      // Not counted: the videos and music (the browser asks for their first bytes for the
      // duration); no full-size image may be among the rest.
      const counted = loads.filter((l) => l.type !== 'media')
      expect(counted.filter((l) => /\/images\/.*\.png$/.test(l.url))).toEqual([])
      const bytes = counted.reduce((sum, l) => sum + l.bytes, 0)
      console.log(
        `demo player page before any click: ${bytes} bytes in ${counted.length} requests\n` +
          counted
            .map((l) => `  ${l.bytes}\t${l.type}\t${l.url.slice(server.origin.length)}`)
            .join('\n'),
      )
      expect(counted.map((l) => l.url)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/\/web\/pointcloud-data\.js$/),
          expect.stringMatching(/\/assets\/kamui-viewer-[0-9a-f]{12}\.js$/),
        ]),
      )
      expect(bytes).toBeLessThan(BUDGET)
      // A click on a thumbnail opens the full image.
      await page.locator('.gallery-item a').first().scrollIntoViewIfNeeded()
      await Promise.all([
        page.waitForURL(/images\/generated-image-1\.png$/),
        page.locator('.gallery-item a').first().click(),
      ])
      const size = await page.evaluate(
        '[document.images[0].naturalWidth, document.images[0].naturalHeight]',
      )
      expect(size).toEqual([1024, 1024])
    } finally {
      await page.close()
      await server.close()
    }
  })

  it('never overwrites a hand-written docs/index.html: the runs page goes next to it and the result says where', async () => {
    expect(await readFile(path.join(workspace, 'docs/index.html'), 'utf8')).toBe(HAND_WRITTEN)
    expect(result.runsIndex).toBe(path.join(workspace, 'docs/kamui-runs.html'))
    expect(logs.join('\n')).toContain(
      'the runs page is docs/kamui-runs.html (1 runs): docs/index.html was not written by kamui and is left as it is.',
    )
    const runsPage = await readFile(path.join(workspace, 'docs/kamui-runs.html'), 'utf8')
    expect(runsPage).toContain(`<a href="out/demo/">${CONCEPT}</a>`)
    // A second run leaves it alone too, and its job summary says where the runs page is.
    const again = await webPlayerGenerationCommand.run(
      { 'folder-name': FOLDER, 'music-concept': CONCEPT },
      testContext(workspace),
    )
    expect(again.summary).toContain(
      "Runs page: `docs/kamui-runs.html` (the docs folder's index.html was not written by kamui and is left as it is).",
    )
    expect(await readFile(path.join(workspace, 'docs/index.html'), 'utf8')).toBe(HAND_WRITTEN)
    // three.js sits once in the docs site.
    const docs = await listFiles(path.join(workspace, 'docs'))
    expect(docs.filter((f) => /kamui-viewer|three/.test(f))).toHaveLength(1)
  })

  it('labels heuristic depth in the standalone viewer, which also opens as a file', async () => {
    const context = testContext(workspace, { env: { PATH: process.env['PATH'] } })
    await pointcloudGenerationCommand.run(
      {
        'input-image-path': `${FOLDER}/images/generated-image.png`,
        'output-folder': 'heuristic',
        'depth-model': 'luminance-heuristic',
        'max-points': '20000',
      },
      context,
    )
    await threejsPointcloudViewerCommand.run(
      { 'ply-file-path': 'heuristic/pointcloud.ply', 'output-folder': 'heuristic/viewer' },
      context,
    )
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } })
    const problems = watchPage(page)
    try {
      await page.goto(pathToFileURL(path.join(workspace, 'heuristic/viewer/index.html')).href)
      await page.waitForSelector('[data-kamui-viewer][data-state="ready"]', { timeout: 30_000 })
      expect(await page.textContent('.viewer-panel')).toMatch(
        /HEURISTIC\s+depth: guessed from brightness/,
      )
      await page.addStyleTag({ content: '.viewer-panel { visibility: hidden; }' })
      const shot = await page.locator('.viewer canvas').screenshot()
      await keepScreenshot('offline-heuristic-viewer.png', shot)
      const { differing, total } = await pixelsUnlike(shot, '#1a1a1a')
      expect(differing / total).toBeGreaterThan(0.1)
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
