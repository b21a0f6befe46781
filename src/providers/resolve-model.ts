import type { ModelRegistry } from '../models/registry.js'
import type { ModelEntry } from '../models/types.js'
import type { ResolvedModel } from './image/provider.js'

/** The kinds of registry entries a stage resolves. */
export type ModelKind = ModelEntry['kind']

/** The preview server's entry that stands in for the models of each kind. */
export const PREVIEW_ALIASES: Readonly<Record<ModelKind, string>> = {
  image: 'preview',
  video: 'preview-video',
  scorer: 'preview',
}

/**
 * The model a run calls for `alias`:
 *
 * - an `embedded: preview` entry is the preview server itself (labelled with the alias);
 * - a ComfyUI entry runs on the user's own server (`comfyui-url`): never a preview stand-in;
 * - in preview mode (no `mcp-config`) any other alias is stood in for by the preview server's
 *   entry of that kind and recorded as `preview:<alias>`, so round robin and reports stay
 *   meaningful while nothing pretends to be a model;
 * - otherwise the entry as it is.
 *
 * @throws KamuiError IMG_002 for an unknown alias or one of another kind (listing the known ones)
 */
export function resolveModel(
  registry: ModelRegistry,
  alias: string,
  kind: ModelKind,
  previewMode: boolean,
): ResolvedModel {
  const entry = registry.get(alias, kind)
  if (entry.embedded === 'preview') return { requested: alias, entry, label: alias, preview: true }
  if (entry.provider === 'comfyui') return { requested: alias, entry, label: alias, preview: false }
  if (previewMode) {
    const preview = registry.get(PREVIEW_ALIASES[kind], kind)
    return { requested: alias, entry: preview, label: `preview:${alias}`, preview: true }
  }
  return { requested: alias, entry, label: alias, preview: false }
}

/**
 * The hosted image models of `aliases` (MCP entries of kind image; others are skipped), as a
 * run would call them: in preview mode each is stood in for by the preview server
 * (`preview:<alias>`).
 */
export function hostedFallbacks(
  registry: ModelRegistry,
  aliases: readonly string[],
  previewMode: boolean,
): ResolvedModel[] {
  const preview = registry.find(PREVIEW_ALIASES.image)
  const out: ResolvedModel[] = []
  for (const alias of aliases) {
    const entry = registry.find(alias)
    if (!entry || entry.provider !== 'mcp' || entry.kind !== 'image') continue
    if (!previewMode) out.push({ requested: alias, entry, label: alias, preview: false })
    else if (preview)
      out.push({ requested: alias, entry: preview, label: `preview:${alias}`, preview: true })
  }
  return out
}
