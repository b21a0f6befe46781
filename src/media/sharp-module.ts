import { pathToFileURL } from 'node:url'

type SharpModule = typeof import('sharp')

let explicitPath: string | undefined
let cached: Promise<SharpModule> | undefined

/**
 * Tells {@link loadSharpModule} to load sharp from `entryFile` (the resolved main file of a
 * sharp installation outside node_modules: the action runtime in the tool cache).
 */
export function useSharpFrom(entryFile: string): void {
  explicitPath = entryFile
  cached = undefined
}

/**
 * Loads sharp: from the path set by {@link useSharpFrom}, or by normal module resolution
 * (node_modules when run from a clone or by the CLI). Cached after the first load.
 *
 * The imports carry `webpackIgnore` so that the bundler leaves them as native dynamic imports:
 * a bundled static import of the external `sharp` would fail at load time on a runner, before
 * the runtime could be installed.
 */
export function loadSharpModule(): Promise<SharpModule> {
  cached ??= (
    explicitPath
      ? (import(/* webpackIgnore: true */ pathToFileURL(explicitPath).href) as Promise<
          { default: SharpModule } & SharpModule
        >)
      : (import(/* webpackIgnore: true */ 'sharp') as Promise<
          { default: SharpModule } & SharpModule
        >)
  ).then((m) => m.default ?? m)
  return cached
}
