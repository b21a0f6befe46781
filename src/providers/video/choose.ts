import { KamuiError } from '../../core/errors.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { ModelEntry } from '../../models/types.js'
import type { GpuCheckOptions } from '../gpu/check.js'
import type { ModelJobRunner } from '../kinds/job.js'
import { comfyVideoProviderFor } from './comfy-video-provider.js'
import { McpVideoProvider } from './mcp-provider.js'
import type { VideoProvider } from './provider.js'

/** Registry alias of the preview server's video tools. */
export const PREVIEW_VIDEO_ALIAS = 'preview-video'
/** The model used with mcp-config when `model` is empty (the legacy module's model). */
export const DEFAULT_HOSTED_VIDEO_MODEL = 'hailuo-02-pro'

/** What {@link chooseVideoProvider} works with (the run's model services). */
export interface VideoChoiceOptions {
  registry: ModelRegistry
  runner: ModelJobRunner
  /** Opens the run's ComfyUI pool (parsing `comfyui-url`; no server is contacted). */
  comfy: () => unknown
  gpu: GpuCheckOptions
  /** True without `mcp-config`: hosted models are stood in for by the preview server. */
  previewMode: boolean
  /** Status polling interval of hosted models, ms (the `poll-interval` input). */
  pollIntervalMs: number
  /** A polling interval that overrides every other (tests), ms. */
  pollOverrideMs?: number | undefined
}

/** The chosen video provider and what the report records about it. */
export interface VideoChoice {
  provider: VideoProvider
  /** True when the preview server stands in for a hosted model (no mcp-config). */
  standIn: boolean
  /** Registry price of one clip in US dollars; null when unknown or not charged per clip. */
  priceUsd: number | null
}

/**
 * The video provider for the `model` input:
 *
 * - empty: `hailuo-02-pro` with mcp-config, `preview` without;
 * - `preview` (or `preview-video`): the preview server's pan-and-zoom, labelled PREVIEW;
 * - a shipped ComfyUI image-to-video template (`svd-image-to-video`, `comfyui:<template>`) or a
 *   `provider: comfyui` registry alias of kind video: that template on the run's ComfyUI;
 * - a registry alias of kind video: its MCP tools; without mcp-config the preview server stands
 *   in, labelled `preview:<alias>` (as the image stage does), so pipelines run without secrets.
 *
 * @throws KamuiError IMG_002 for an unknown model (naming the known video models), or an entry
 *   of a provider this build cannot call; CFG_001 for a malformed `comfyui-url` (ComfyUI models)
 */
export function chooseVideoProvider(model: string | undefined, o: VideoChoiceOptions): VideoChoice {
  const { registry } = o
  const requested = model ?? (o.previewMode ? 'preview' : DEFAULT_HOSTED_VIDEO_MODEL)
  const preview = (entry: ModelEntry, label: string, standIn: boolean): VideoChoice =>
    mcpChoice(entry, { requested, label, preview: true }, standIn, o)
  if (requested.toLowerCase() === 'preview' || requested === PREVIEW_VIDEO_ALIAS)
    return preview(registry.get(PREVIEW_VIDEO_ALIAS, 'video'), 'preview', false)
  const comfy = comfyVideoProviderFor(requested, registry, o.runner, o.gpu)
  if (comfy) {
    // A malformed comfyui-url fails here, before any frame is fetched or clip generated.
    o.comfy()
    return { provider: comfy, standIn: false, priceUsd: null }
  }
  const entry = registry.find(requested)
  if (!entry || entry.kind !== 'video') {
    throw new KamuiError(
      'IMG_002',
      `Unknown video model "${requested}". Known video models: ${registry.aliases('video').join(', ')}, or "preview"` +
        ' (or a ComfyUI image-to-video template on a self-hosted runner where the ComfyUI provider is available).' +
        ' Add your own with a model-registry file (kind: video).',
    )
  }
  if (entry.embedded === 'preview') return preview(entry, 'preview', false)
  if (entry.provider !== 'mcp') {
    throw new KamuiError(
      'IMG_002',
      `Video model "${requested}" uses the ${entry.provider} provider, which is not available in this run.`,
    )
  }
  if (o.previewMode)
    return preview(registry.get(PREVIEW_VIDEO_ALIAS, 'video'), `preview:${requested}`, true)
  return mcpChoice(entry, { requested, label: requested, preview: false }, false, o)
}

function mcpChoice(
  entry: ModelEntry,
  model: { requested: string; label: string; preview: boolean },
  standIn: boolean,
  o: VideoChoiceOptions,
): VideoChoice {
  const pollIntervalMs =
    o.pollOverrideMs ?? (model.preview ? (entry.pollIntervalMs ?? 100) : o.pollIntervalMs)
  return {
    provider: new McpVideoProvider(o.runner, entry, { ...model, pollIntervalMs }),
    standIn,
    priceUsd: model.preview ? null : (entry.priceUsd ?? null),
  }
}
