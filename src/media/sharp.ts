import type sharpType from 'sharp'
import { loadSharpModule } from './sharp-module.js'

/**
 * The one function media code calls to get `sharp` (libvips bindings). It goes through
 * `loadSharpModule` of `sharp-module.ts`, which honours `useSharpFrom()` (the action runtime's
 * sharp installed outside `node_modules`: native binaries are not committed to `dist/`, SPEC §8)
 * and otherwise does a cached dynamic `import('sharp')`.
 */

/** The `sharp` factory function (the module's default export). */
export type SharpFactory = typeof sharpType

/**
 * Loads `sharp` (cached after the first load) and returns its default export, the factory.
 *
 * @throws the import error when `sharp` or its native binary cannot be loaded
 */
export async function loadSharp(): Promise<SharpFactory> {
  // loadSharpModule resolves to the module's default export at run time, though it is typed as
  // the module namespace.
  return (await loadSharpModule()) as unknown as SharpFactory
}
