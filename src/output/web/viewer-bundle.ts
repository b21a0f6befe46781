import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KamuiError } from '../../core/errors.js'
import { VIEWER_SCRIPT } from './viewer-script.js'

/** File name of the viewer bundle (three.js and the viewer in one classic script). */
export const VIEWER_BUNDLE_FILE = 'kamui-viewer.js'

/** Where the build writes the bundle below `dist/` (bundles read it from there). */
export const BUILD_VIEWER_FILE = path.join('web-assets', VIEWER_BUNDLE_FILE)

/** The viewer bundle: its JavaScript text and the first 12 hex digits of its sha256. */
export interface ViewerBundle {
  code: string
  hash: string
}

let cached: Promise<ViewerBundle> | undefined

/**
 * The point-cloud viewer as one minified classic script (an IIFE, no `import`, no import map),
 * so that a page opened from the file system (`file://`, where Chromium refuses module scripts)
 * runs it: three.js (tree-shaken: WebGLRenderer, PLYLoader, OrbitControls) and the viewer of
 * viewer-script.ts, bundled by esbuild, with three.js's MIT licence kept in a comment at the end.
 * About 0.6 MB instead of the 2.2 MB of unminified three.js modules.
 *
 * Read from `dist/web-assets/kamui-viewer.js` when running from a bundle (`npm run build` writes
 * it with {@link writeViewerBuildAsset}; a runner has no node_modules); built with the esbuild
 * devDependency when running from the TypeScript sources (tsx, vitest). Cached per process.
 *
 * @throws KamuiError WEB_001 when neither the bundle's copy nor esbuild and three are there
 */
export function viewerBundle(): Promise<ViewerBundle> {
  cached ??= loadBundle().catch((error: unknown) => {
    cached = undefined
    throw error
  })
  return cached
}

async function loadBundle(): Promise<ViewerBundle> {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const built = path.resolve(here, '..', BUILD_VIEWER_FILE)
  const code = existsSync(built) ? await readFile(built, 'utf8') : await buildFromSources(built)
  return { code, hash: createHash('sha256').update(code).digest('hex').slice(0, 12) }
}

/**
 * Bundles the viewer with esbuild (IIFE, minified, ES2020). The module names are parameters so
 * that ncc does not pull esbuild or three into the action bundle.
 */
async function buildFromSources(
  bundled: string,
  bundler = 'esbuild',
  three = 'three',
): Promise<string> {
  const require = createRequire(import.meta.url)
  let esbuild: typeof import('esbuild')
  let licence: string
  try {
    esbuild = (await import(bundler)) as typeof import('esbuild')
    const threeDir = path.resolve(path.dirname(require.resolve(three)), '..')
    licence = readFileSync(path.join(threeDir, 'LICENSE'), 'utf8')
  } catch (error) {
    throw new KamuiError(
      'WEB_001',
      `The point-cloud viewer script was not found: neither ${bundled} (the action bundle's copy) ` +
        'nor esbuild and three to build it from the sources. Reinstall with npm ci, or rebuild dist with npm run build.',
      { cause: error },
    )
  }
  const result = await esbuild.build({
    stdin: {
      contents: VIEWER_SCRIPT,
      resolveDir: path.dirname(fileURLToPath(import.meta.url)),
      sourcefile: VIEWER_BUNDLE_FILE,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'es2020',
    legalComments: 'eof',
    write: false,
    logLevel: 'silent',
    banner: {
      js: '/* kamui point-cloud viewer (kamui-media-actions), with three.js (MIT licence at the end) */',
    },
    footer: { js: `/*! three.js licence:\n${licence.replace(/\*\//g, '* /')}*/` },
  })
  const file = result.outputFiles[0]
  if (file === undefined) throw new KamuiError('WEB_001', 'esbuild wrote no viewer bundle.')
  return file.text
}

/**
 * The build step: writes the viewer bundle to `{distDir}/web-assets/kamui-viewer.js` for the
 * action bundles. Needs the esbuild and three packages (devDependency / dependency).
 *
 * @returns the bundle's size in bytes
 */
export async function writeViewerBuildAsset(distDir: string): Promise<number> {
  const target = path.join(distDir, BUILD_VIEWER_FILE)
  const code = await buildFromSources(target)
  await mkdir(path.dirname(target), { recursive: true })
  await writeFile(target, code)
  return Buffer.byteLength(code)
}
