import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { copyFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'

/**
 * The three.js files a page needs, copied from the `three` npm package (0.187) into the site so
 * that pages load nothing from a CDN. `build/three.module.js` imports `./three.core.js`; the two
 * addons import the bare specifier `three`, which the page's import map resolves
 * ({@link threeImportMap}). Keys: path in the package; values: path below the site's `three/`
 * asset folder.
 */
export const THREE_FILES: Readonly<Record<string, string>> = {
  'build/three.module.js': 'three.module.js',
  'build/three.core.js': 'three.core.js',
  'examples/jsm/loaders/PLYLoader.js': 'addons/loaders/PLYLoader.js',
  'examples/jsm/controls/OrbitControls.js': 'addons/controls/OrbitControls.js',
  LICENSE: 'LICENSE',
}

/** Folder of the copied files below `dist/` (the build writes it, bundles read it). */
export const BUILD_ASSET_FOLDER = path.join('web-assets', 'three')

/**
 * Where the three.js files are read from at run time:
 *
 * - from a bundle (`dist/<name>/index.js`): `dist/web-assets/three/`, written by the build
 *   ({@link writeThreeBuildAssets}); an action runs on a runner without `node_modules`;
 * - from the TypeScript sources (tsx, vitest): the installed `three` package, with the
 *   package's own layout.
 *
 * Paths come from `import.meta.url` (ncc keeps it as the bundle's URL), not the working directory.
 *
 * @returns the source folder and, for each destination path, the path below that folder
 * @throws KamuiError WEB_001 when neither is there (a broken install or bundle)
 */
export function threeAssetSource(): { dir: string; files: Record<string, string> } {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const bundled = path.resolve(here, '..', BUILD_ASSET_FOLDER)
  const destinations = Object.values(THREE_FILES)
  if (destinations.every((file) => existsSync(path.join(bundled, file)))) {
    return { dir: bundled, files: Object.fromEntries(destinations.map((d) => [d, d])) }
  }
  const dir = threePackageDir()
  const files = Object.fromEntries(Object.entries(THREE_FILES).map(([src, dest]) => [dest, src]))
  const missing = Object.values(files).filter((file) => !existsSync(path.join(dir ?? '', file)))
  if (dir === undefined || missing.length > 0) {
    throw new KamuiError(
      'WEB_001',
      `The three.js files for the page were not found: neither ${bundled} (the action bundle's copy) ` +
        `nor the "three" package${dir ? ` (missing ${missing.join(', ')} in ${dir})` : ''}. ` +
        'Reinstall with npm ci, or rebuild dist with npm run build.',
    )
  }
  return { dir, files }
}

/**
 * Copies the three.js files into `targetDir` (created as needed), atomically file by file.
 *
 * @returns the written paths relative to `targetDir`, forward slashes, in {@link THREE_FILES} order
 * @throws KamuiError WEB_001 when the files cannot be found (see {@link threeAssetSource})
 */
export async function copyThreeAssets(targetDir: string): Promise<string[]> {
  const source = threeAssetSource()
  const written: string[] = []
  for (const [dest, src] of Object.entries(source.files)) {
    await copyFileAtomic(path.join(source.dir, src), path.join(targetDir, ...dest.split('/')))
    written.push(dest)
  }
  return written
}

/**
 * The build step: copies the three.js files from the installed package into
 * `{distDir}/web-assets/three/` for the bundles (synchronous, like the rest of the build).
 *
 * @throws when the `three` package is not installed
 */
export function writeThreeBuildAssets(distDir: string): void {
  const dir = threePackageDir()
  if (dir === undefined) throw new Error('The "three" package is not installed: run npm ci.')
  for (const [src, dest] of Object.entries(THREE_FILES)) {
    const target = path.join(distDir, BUILD_ASSET_FOLDER, ...dest.split('/'))
    mkdirSync(path.dirname(target), { recursive: true })
    copyFileSync(path.join(dir, src), target)
  }
}

/**
 * The import map of a page whose three.js files lie at `baseUrl` (relative, ending in `/`):
 * `three` → `{base}three.module.js`, `three/addons/` → `{base}addons/` (`./` is put before a
 * base that has no `./`, `../` or `/`, as import maps require).
 */
export function threeImportMap(baseUrl: string): { imports: Record<string, string> } {
  // Import map values must be URLs or start with "/", "./" or "../" (else they are ignored).
  const base = /^(\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:)/i.test(baseUrl) ? baseUrl : `./${baseUrl}`
  return { imports: { three: `${base}three.module.js`, 'three/addons/': `${base}addons/` } }
}

/**
 * Folder of the installed `three` package, or undefined. `three` resolves to build/three.cjs
 * for require; the package folder is one level above. The name is a parameter so that the
 * bundler does not pull the package into a bundle.
 */
function threePackageDir(name = 'three'): string | undefined {
  try {
    return path.resolve(path.dirname(createRequire(import.meta.url).resolve(name)), '..')
  } catch {
    return undefined
  }
}
