import { autoSelectModel } from '../../models/auto-select.js'
import type { ResolvedModel } from '../../providers/image/provider.js'

/**
 * Turns the `models` input into the models a run calls.
 *
 * - `auto` picks one alias from the prompt ({@link autoSelectModel}).
 * - Every alias is resolved by the model services (`resolve`): an unknown alias, or one that
 *   is not an image model, is IMG_002 listing the known aliases; ComfyUI aliases (`sdxl-local`)
 *   run on the servers of `comfyui-url`; in preview mode (no `mcp-config`) every MCP alias is
 *   served by the embedded preview server and recorded as `preview:<alias>`.
 *
 * @returns one resolved model per requested alias, in order (duplicates kept: they are the
 *   round-robin list)
 */
export function resolveModels(
  models: readonly string[] | 'auto',
  prompt: string,
  resolve: (alias: string) => ResolvedModel,
): { models: ResolvedModel[]; autoSelected: boolean } {
  const aliases = models === 'auto' ? [autoSelectModel(prompt)] : [...models]
  return { models: aliases.map(resolve), autoSelected: models === 'auto' }
}
