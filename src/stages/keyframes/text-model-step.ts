import type { Logger } from '../../core/logger.js'
import type { TextProvider } from '../../providers/text/provider.js'

/**
 * A keyframes step done by a text model of the model services (the enhancer, the story
 * writer): it shows the model's label, whether the model is the offline preview and the
 * model's cache identity (part of the step's cache keys), and asks the model with the stage's
 * logger.
 */
export abstract class TextModelStep {
  readonly label: string
  readonly preview: boolean
  readonly cacheIdentity: string

  constructor(
    protected readonly text: TextProvider,
    protected readonly logger: Logger,
  ) {
    this.label = text.label
    this.preview = text.preview
    this.cacheIdentity = text.cacheIdentity
  }
}
