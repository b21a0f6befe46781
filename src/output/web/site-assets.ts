import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { VIEWER_BUNDLE_FILE, viewerBundle } from './viewer-bundle.js'

export { VIEWER_BUNDLE_FILE as VIEWER_SCRIPT_FILE } from './viewer-bundle.js'

/** Folder of the one shared viewer bundle of a docs (GitHub Pages) site, below the docs folder. */
export const SHARED_ASSET_DIR = 'assets'

/**
 * Writes what a page with a point-cloud viewer needs into `assetDir`: `kamui-viewer.js`, the
 * minified classic-script bundle of three.js and the viewer (see viewer-bundle.ts).
 *
 * @returns the written paths relative to `assetDir`, forward slashes
 * @throws KamuiError WEB_001 when the bundle cannot be found or built
 */
export async function writeViewerAssets(assetDir: string): Promise<string[]> {
  const bundle = await viewerBundle()
  await writeFileAtomic(path.join(assetDir, VIEWER_BUNDLE_FILE), bundle.code)
  return [VIEWER_BUNDLE_FILE]
}

/**
 * The one copy of the viewer bundle a docs site holds for all its runs:
 * `{docs}/assets/kamui-viewer-{hash}.js`, named by the first 12 hex digits of its sha256, so that
 * runs made by other versions of the suite keep theirs and the same version writes it once.
 * Written only when no file of that name holds these bytes.
 *
 * @returns the path relative to `docsRoot` (forward slashes) and whether it was written now
 */
export async function writeSharedViewer(
  docsRoot: string,
): Promise<{ path: string; written: boolean }> {
  const bundle = await viewerBundle()
  const name = `${SHARED_ASSET_DIR}/kamui-viewer-${bundle.hash}.js`
  const file = path.join(docsRoot, ...name.split('/'))
  const existing = await readFile(file, 'utf8').catch(() => undefined)
  if (existing === bundle.code) return { path: name, written: false }
  await writeFileAtomic(file, bundle.code)
  return { path: name, written: true }
}
