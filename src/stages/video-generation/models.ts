import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { ModelEntry } from '../../models/types.js'
import type { VideoProvider } from '../../providers/video/provider.js'

/** Registry alias of the preview server's video tools. */
export const PREVIEW_VIDEO_ALIAS = 'preview-video'
/** The model used with mcp-config when `model` is empty (the legacy module's model). */
export const DEFAULT_HOSTED_VIDEO_MODEL = 'hailuo-02-pro'

/**
 * Plug-ins of the video stage. `videoProvider` is asked first for every `model` name and
 * returns a provider for the names it handles (the ComfyUI image-to-video templates of
 * self-hosted runners), undefined for the others.
 */
export interface VideoGenerationDeps {
  videoProvider?: (
    model: string,
    context: { registry: ModelRegistry; logger: Logger },
  ) => VideoProvider | undefined
}

/** The chosen video model. */
export type VideoModelChoice =
  | {
      kind: 'mcp'
      /** The entry called (the preview entry when the preview stands in). */
      entry: ModelEntry
      /** The alias asked for (or chosen by default). */
      requested: string
      /** Recorded in outputs: the alias, `preview`, or `preview:<alias>` for a stand-in. */
      label: string
      preview: boolean
      /** Set when the preview server stands in for a hosted model (no mcp-config). */
      standIn: boolean
    }
  | { kind: 'custom'; provider: VideoProvider }

/**
 * Chooses the video model for the `model` input:
 *
 * - empty: `hailuo-02-pro` with mcp-config, `preview` without;
 * - `preview` (or `preview-video`): the preview server's pan-and-zoom, labelled PREVIEW;
 * - a name the plug-in handles (ComfyUI templates): that provider;
 * - a registry alias of kind video: its MCP tools; without mcp-config the preview server stands
 *   in, labelled `preview:<alias>` (as the image stage does), so pipelines run without secrets.
 *
 * @throws KamuiError IMG_002 for an unknown model (naming the known video models), or a
 *   ComfyUI registry entry when no ComfyUI provider is plugged in
 */
export function chooseVideoModel(
  model: string | undefined,
  hasMcpConfig: boolean,
  registry: ModelRegistry,
  logger: Logger,
  deps: VideoGenerationDeps = {},
): VideoModelChoice {
  const requested = model ?? (hasMcpConfig ? DEFAULT_HOSTED_VIDEO_MODEL : 'preview')
  const previewEntry = (): ModelEntry => registry.get(PREVIEW_VIDEO_ALIAS, 'video')
  if (requested.toLowerCase() === 'preview' || requested === PREVIEW_VIDEO_ALIAS) {
    return {
      kind: 'mcp',
      entry: previewEntry(),
      requested,
      label: 'preview',
      preview: true,
      standIn: false,
    }
  }
  const custom = deps.videoProvider?.(requested, { registry, logger })
  if (custom) return { kind: 'custom', provider: custom }
  const entry = registry.find(requested)
  if (!entry || entry.kind !== 'video') {
    throw new KamuiError(
      'IMG_002',
      `Unknown video model "${requested}". Known video models: ${registry.aliases('video').join(', ')}, or "preview"` +
        ' (or a ComfyUI image-to-video template on a self-hosted runner where the ComfyUI provider is available).' +
        ' Add your own with a model-registry file (kind: video).',
    )
  }
  if (entry.embedded === 'preview') {
    return { kind: 'mcp', entry, requested, label: 'preview', preview: true, standIn: false }
  }
  if (entry.provider !== 'mcp') {
    throw new KamuiError(
      'IMG_002',
      `Video model "${requested}" uses the ${entry.provider} provider, which is not available in this run.`,
    )
  }
  if (!hasMcpConfig) {
    return {
      kind: 'mcp',
      entry: previewEntry(),
      requested,
      label: `preview:${requested}`,
      preview: true,
      standIn: true,
    }
  }
  return { kind: 'mcp', entry, requested, label: requested, preview: false, standIn: false }
}
