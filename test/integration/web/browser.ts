import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { mediaTypeOf } from '../../../src/output/telemetry/artifacts.js'
import { isInside } from '../../../src/core/workspace.js'
import { testChromium } from '../../helpers/tools.js'

/**
 * The Chromium the browser tests drive: the system's (`CHROMIUM_PATH`, Debian's `chromium`
 * installed by .ci/run, Chrome), else the headless Chromium of the `@sparticuz/chromium`
 * devDependency (see test/helpers/tools.ts). playwright-core downloads no browser.
 */
export async function chromiumPath(): Promise<string> {
  return (await testChromium()).path
}

/** Launches headless Chromium with WebGL on SwiftShader and nothing that reaches the network. */
export async function launchChromium(): Promise<Browser> {
  const chromiumTool = await testChromium()
  return chromium.launch({
    executablePath: chromiumTool.path,
    headless: true,
    args: [
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // The npm build is a headless shell for containers: no zygote, GL in the browser process.
      ...(chromiumTool.source === 'npm'
        ? ['--no-zygote', '--in-process-gpu', '--use-gl=angle']
        : []),
    ],
  })
}

/** A static file server on 127.0.0.1 (random port) for one folder, with a log of requests. */
export interface StaticServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** Every request: path and status. */
  requests: { path: string; status: number }[]
  close(): Promise<void>
}

/**
 * Serves `root` over HTTP on loopback, as GitHub Pages would (the pages also work from
 * `file://`: player-offline.test.ts opens them that way). Folder URLs serve their index.html; paths that leave `root` get 403. Byte ranges
 * are answered (206) so that video elements can seek. With `prefix` (such as `/repo/`) the
 * folder is served below that path only, as GitHub Pages serves a project site; other paths
 * get 404.
 */
export async function serveFolder(root: string, prefix = '/'): Promise<StaticServer> {
  const requests: StaticServer['requests'] = []
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      if (!url.pathname.startsWith(prefix)) {
        requests.push({ path: url.pathname, status: 404 })
        res.writeHead(404)
        res.end('not found')
        return
      }
      let file = path.join(root, decodeURIComponent(url.pathname.slice(prefix.length)))
      const reply = (
        status: number,
        body: Buffer | string,
        headers: http.OutgoingHttpHeaders = {},
      ): void => {
        requests.push({ path: url.pathname, status })
        res.writeHead(status, headers)
        res.end(body)
      }
      if (!isInside(root, file)) return reply(403, 'forbidden')
      const info = await stat(file).catch(() => undefined)
      if (info?.isDirectory()) file = path.join(file, 'index.html')
      const bytes = await readFile(file).catch(() => undefined)
      if (!bytes) return reply(404, 'not found')
      const type =
        mediaTypeOf(file) === 'model/x-ply' ? 'application/octet-stream' : mediaTypeOf(file)
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
      if (range && (range[1] || range[2])) {
        const start = range[1] ? Number(range[1]) : bytes.length - Number(range[2])
        const end =
          range[1] && range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1
        return reply(206, bytes.subarray(start, end + 1), {
          'content-type': type,
          'content-range': `bytes ${start}-${end}/${bytes.length}`,
          'accept-ranges': 'bytes',
        })
      }
      reply(200, bytes, { 'content-type': type, 'accept-ranges': 'bytes' })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** What a page did besides rendering: errors, console errors, dialogs, failed requests. */
export interface PageProblems {
  pageErrors: string[]
  consoleErrors: string[]
  dialogs: string[]
  failedRequests: string[]
}

/**
 * Listens for everything that would show a broken or unsafe page: uncaught errors, console
 * errors (except the harmless SwiftShader "GPU stall due to ReadPixels" performance notes),
 * dialogs (`alert` would mean injected script ran; each is dismissed), failed requests (except
 * media downloads the browser itself aborted) and responses with status 400 or more.
 */
export function watchPage(page: Page): PageProblems {
  const problems: PageProblems = {
    pageErrors: [],
    consoleErrors: [],
    dialogs: [],
    failedRequests: [],
  }
  page.on('pageerror', (error) => problems.pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error' && !/GPU stall due to ReadPixels/.test(message.text())) {
      problems.consoleErrors.push(message.text())
    }
  })
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed'
    // A media element may stop a download it no longer needs (after the metadata): not an error.
    if (request.resourceType() === 'media' && reason === 'net::ERR_ABORTED') return
    problems.failedRequests.push(`${request.url()}: ${reason}`)
  })
  page.on('response', (response) => {
    if (response.status() >= 400)
      problems.failedRequests.push(`${response.url()}: ${response.status()}`)
  })
  return problems
}

/** Saves a screenshot for a person to look at, when KAMUI_SCREENSHOT_DIR names a folder. */
export async function keepScreenshot(name: string, png: Buffer): Promise<void> {
  const dir = process.env['KAMUI_SCREENSHOT_DIR']
  if (!dir) return
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, name), png)
}
