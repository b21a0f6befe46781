import type { Logger } from '../../core/logger.js'
import type { ModelRegistry } from '../../models/registry.js'
import type { VideoProvider } from '../../providers/video/provider.js'

/**
 * Plug-ins of the video stage. `videoProvider` is asked first for a `model` the user named and
 * returns a provider for the names it handles, undefined for the others, which the model
 * services' providers then serve (`chooseVideoProvider`: MCP, preview, ComfyUI templates).
 */
export interface VideoGenerationDeps {
  videoProvider?: (
    model: string,
    context: { registry: ModelRegistry; logger: Logger },
  ) => VideoProvider | undefined
}
