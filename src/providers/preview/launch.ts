import { existsSync } from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { PreviewTaskRevision } from './tasks.js'

/** How to start the preview server as a child process speaking MCP over stdio. */
export interface PreviewServerLaunch {
  /** The executable: always the running Node (`process.execPath`). */
  command: string
  /** Its arguments. */
  args: string[]
}

/**
 * How to start the embedded preview server.
 *
 * - From a bundle (`dist/<stage>/index.js`), when `dist/preview-server/index.js` exists next
 *   to the running bundle's folder: `node dist/preview-server/index.js`.
 * - Otherwise (running from the TypeScript sources under tsx or vitest):
 *   `node --import <absolute URL of tsx's loader> <absolute path of src/providers/preview/main.ts>`, so
 *   the child starts whatever its working directory is.
 *
 * With `options.tasks` the arguments end with `--tasks <revision>` (tasks mode, see `main.ts`).
 *
 * Paths come from `import.meta.url` (kept as the bundle's own URL by ncc), not from the
 * working directory.
 */
export function previewServerLaunch(options: PreviewLaunchOptions = {}): PreviewServerLaunch {
  const here = path.dirname(fileURLToPath(import.meta.url))
  const bundled = path.resolve(here, '..', 'preview-server', 'index.js')
  const extra = options.tasks ? ['--tasks', options.tasks] : []
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled, ...extra] }
  return {
    command: process.execPath,
    args: ['--import', resolveLoader('tsx'), path.join(here, 'main.ts'), ...extra],
  }
}

/** Options of {@link previewServerLaunch}. */
export interface PreviewLaunchOptions {
  /** Start the server in MCP tasks mode (`--tasks <revision>`; see `tasks.ts`). */
  tasks?: PreviewTaskRevision
}

/**
 * Absolute file URL of a loader package's entry. The name is a parameter so that the bundler
 * does not pull the (development-only) loader into a bundle.
 */
function resolveLoader(name: string): string {
  return pathToFileURL(createRequire(import.meta.url).resolve(name)).href
}
