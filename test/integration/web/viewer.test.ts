import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { threejsPointcloudViewerCommand } from '../../../src/stages/threejs-pointcloud-viewer/commands.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { testContext } from '../../helpers/stage-context.js'
import { listFiles, removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { keepScreenshot, launchChromium, serveFolder, watchPage } from './browser.js'
import { pixelsUnlike, writeTestPly, writeTestWav } from './fixtures.js'

describe('threejs-pointcloud-viewer in Chromium', () => {
  let browser: Browser
  let workspace: string

  beforeAll(async () => {
    workspace = await tempWorkspace('kamui-viewer-')
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await removeDir(workspace)
  })

  it('writes the legacy files and a page whose canvas shows the cloud, with no errors', async () => {
    const points = await writeTestPly(path.join(workspace, 'cloud/pointcloud.ply'))
    await writeTestWav(path.join(workspace, 'cloud/music.wav'))
    const result = await threejsPointcloudViewerCommand.run(
      {
        'ply-file-path': 'cloud/pointcloud.ply',
        'output-folder': 'site/viewer',
        'viewer-title': 'Roses </title><script>alert(1)</script>',
        'background-color': '#203040',
        'auto-rotate': 'true',
        'music-file': 'cloud/music.wav',
      },
      testContext(workspace),
    )
    expect(result.outputs).toEqual({
      'viewer-completed': 'true',
      'viewer-path': 'site/viewer/index.html',
      'assets-count': '4',
    })
    const folder = path.join(workspace, 'site/viewer')
    expect(await listFiles(folder)).toEqual([
      'assets/kamui-viewer.js',
      'assets/music.wav',
      'assets/pointcloud-data.js',
      'assets/pointcloud.ply',
      'index.html',
      'metadata/artifact-metadata.json',
    ])
    const verification = await verifyTelemetry(folder)
    expect(verification.problems).toEqual([])
    const html = await readFile(path.join(folder, 'index.html'), 'utf8')
    expect(html).not.toMatch(/https?:\/\//)
    expect(html).not.toContain('<script>alert(1)')

    const server = await serveFolder(workspace)
    const page = await browser.newPage({ viewport: { width: 800, height: 600 } })
    const problems = watchPage(page)
    try {
      await page.goto(`${server.origin}/site/viewer/`)
      await page.waitForSelector('[data-kamui-viewer][data-state="ready"]', { timeout: 20_000 })
      expect(await page.getAttribute('[data-kamui-viewer]', 'data-points')).toBe(String(points))
      expect(await page.title()).toBe('Roses </title><script>alert(1)</script>')
      expect(await page.isChecked('[data-role="auto-rotate"]')).toBe(true)
      const audio = await page.getAttribute('audio', 'src')
      expect(audio).toBe('assets/music.wav')
      // The canvas alone: hide the control panel that floats over it.
      await page.addStyleTag({ content: '.viewer-panel { visibility: hidden; }' })
      await keepScreenshot('viewer-page.png', await page.screenshot())
      const shot = await page.locator('.viewer canvas').screenshot()
      const { differing, total } = await pixelsUnlike(shot, '#203040')
      expect(differing / total).toBeGreaterThan(0.2)
      // The background colour fills the corners (the cloud is fitted inside the view).
      const corner = await pixelsUnlike(
        await page.screenshot({ clip: { x: 790, y: 0, width: 10, height: 10 } }),
        '#203040',
        6,
      )
      expect(corner.differing).toBe(0)
      expect(problems).toEqual({
        pageErrors: [],
        consoleErrors: [],
        dialogs: [],
        failedRequests: [],
      })
      expect(server.requests.filter((r) => r.status !== 200 && r.status !== 206)).toEqual([])
    } finally {
      await page.close()
      await server.close()
    }
  })

  it('rejects a missing or malformed PLY and bad options with WEB_001', async () => {
    const context = testContext(workspace)
    const attempt = (raw: Record<string, string>) =>
      threejsPointcloudViewerCommand.run({ 'output-folder': 'bad', ...raw }, context).then(
        () => undefined,
        (error: unknown) => error,
      )
    const { writeFile } = await import('node:fs/promises')
    await writeFile(path.join(workspace, 'not.ply'), 'hello')
    for (const [raw, pattern] of [
      [{ 'ply-file-path': 'missing.ply' }, /does not exist/],
      [{ 'ply-file-path': 'not.ply' }, /not a usable PLY/],
      [{ 'ply-file-path': 'cloud/pointcloud.ply', 'camera-position': '0,0' }, /camera-position/],
      [
        { 'ply-file-path': 'cloud/pointcloud.ply', 'background-color': 'red;x' },
        /background-color/,
      ],
      [
        { 'ply-file-path': 'cloud/pointcloud.ply', 'music-file': 'cloud/pointcloud.ply' },
        /music-file/,
      ],
    ] as const) {
      const error = await attempt(raw)
      expect(isKamuiError(error, 'WEB_001'), String(error)).toBe(true)
      expect(String((error as Error).message)).toMatch(pattern)
    }
    const outside = await attempt({ 'ply-file-path': '../elsewhere.ply' })
    expect(isKamuiError(outside, 'FS_001')).toBe(true)
  })
})
