import { autoSelectModel } from '../../models/auto-select.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { ResolvedModel } from './generate-one.js'

/**
 * Turns the `models` input into the models a run calls.
 *
 * - `auto` picks one alias from the prompt ({@link autoSelectModel}).
 * - Every alias must be a known image model (IMG_002 otherwise, listing the known aliases).
 * - ComfyUI aliases (`sdxl-local`) run on the ComfyUI servers of `comfyui-url`.
 * - In preview mode (no `mcp-config`), every MCP alias is served by the embedded preview server and
 *   recorded as `preview:<alias>`, so round robin and reports stay meaningful while nothing
 *   pretends to be a model. The alias `preview` itself is always the preview server.
 *
 * @returns one resolved model per requested alias, in order (duplicates kept: they are the
 *   round-robin list)
 */
export function resolveModels(
  models: readonly string[] | 'auto',
  prompt: string,
  registry: ModelRegistry,
  previewMode: boolean,
): { models: ResolvedModel[]; autoSelected: boolean } {
  const aliases = models === 'auto' ? [autoSelectModel(prompt)] : [...models]
  const preview = registry.get('preview')
  const resolved = aliases.map((alias): ResolvedModel => {
    const entry = registry.get(alias, 'image')
    if (entry.embedded === 'preview')
      return { requested: alias, entry, label: alias, preview: true }
    // ComfyUI models run on the user's own server (comfyui-url): never a preview stand-in.
    if (entry.provider === 'comfyui')
      return { requested: alias, entry, label: alias, preview: false }
    if (previewMode)
      return { requested: alias, entry: preview, label: `preview:${alias}`, preview: true }
    return { requested: alias, entry, label: alias, preview: false }
  })
  return { models: resolved, autoSelected: models === 'auto' }
}
