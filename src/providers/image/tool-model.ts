import { KamuiError } from '../../core/errors.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { ModelEntry } from '../../models/types.js'
import type { ResolvedModel } from './provider.js'

/**
 * Models behind MCP tools that a stage calls with arguments of its own (keyframe enhancers and
 * renderers, story writers): a registry alias of an MCP entry with a call, of any kind but
 * video; without `mcp-config` the embedded preview server's tool for that step stands in.
 */

/** What {@link resolveToolModel} needs besides the alias. */
export interface ToolModelOptions {
  /** The input that named the alias (for messages: `enhancer-model`). */
  input: string
  /** True without `mcp-config`: the preview entry stands in, labelled `preview:<alias>`. */
  previewMode: boolean
  /** The preview server's entry for this step. */
  previewEntry: ModelEntry
  /** Whether the input also takes `llm` (named in the unknown-alias message). */
  offersLlm: boolean
}

/**
 * The registry entry of an MCP tool alias.
 *
 * @throws KamuiError IMG_002 for an unknown alias (naming the MCP aliases), or one that is not
 *   an MCP entry with a call, or a video model
 */
export function mcpToolEntry(
  registry: ModelRegistry,
  alias: string,
  input: string,
  offersLlm: boolean,
): ModelEntry {
  const entry = registry.find(alias)
  if (!entry) {
    const mcp = registry.aliases().filter((a) => {
      const e = registry.find(a)
      return e?.provider === 'mcp' && !e.embedded && e.kind !== 'video'
    })
    throw new KamuiError(
      'IMG_002',
      `${input}: unknown model "${alias}". Use "auto", "preview"${offersLlm ? ', "llm"' : ''} or a registry alias (${mcp.join(', ')}); add your own with a model-registry file.`,
    )
  }
  if (entry.provider !== 'mcp' || !entry.call || entry.kind === 'video') {
    throw new KamuiError(
      'IMG_002',
      `${input}: model "${alias}" is not an MCP ${entry.kind === 'video' ? 'image or text ' : ''}model this step can call (provider ${entry.provider}, kind ${entry.kind}).`,
    )
  }
  return entry
}

/**
 * The model called for a tool alias: `preview` is the preview entry itself; in preview mode a
 * registry alias is stood in for by it (`preview:<alias>`); otherwise the registry's MCP entry.
 *
 * @throws KamuiError IMG_002 as {@link mcpToolEntry}
 */
export function resolveToolModel(
  registry: ModelRegistry,
  alias: string,
  o: ToolModelOptions,
): ResolvedModel {
  if (alias === 'preview')
    return { requested: alias, entry: o.previewEntry, label: 'preview', preview: true }
  const entry = mcpToolEntry(registry, alias, o.input, o.offersLlm)
  if (o.previewMode) {
    return {
      requested: entry.alias,
      entry: o.previewEntry,
      label: `preview:${entry.alias}`,
      preview: true,
    }
  }
  return { requested: alias, entry, label: alias, preview: false }
}
