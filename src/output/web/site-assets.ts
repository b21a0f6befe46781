import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { copyThreeAssets } from './three-assets.js'
import { VIEWER_SCRIPT } from './viewer-script.js'

/** File name of the browser viewer module in an asset folder. */
export const VIEWER_SCRIPT_FILE = 'kamui-viewer.js'

/**
 * Writes what a page with a point-cloud viewer needs into `assetDir`: the three.js files under
 * `three/` (copied from the package or the bundle's copy, see three-assets.ts) and
 * `kamui-viewer.js`.
 *
 * @returns the written paths relative to `assetDir`, forward slashes
 * @throws KamuiError WEB_001 when the three.js files cannot be found
 */
export async function writeViewerAssets(assetDir: string): Promise<string[]> {
  const three = await copyThreeAssets(path.join(assetDir, 'three'))
  await writeFileAtomic(path.join(assetDir, VIEWER_SCRIPT_FILE), VIEWER_SCRIPT)
  return [...three.map((file) => `three/${file}`), VIEWER_SCRIPT_FILE]
}
