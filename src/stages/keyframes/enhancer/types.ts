import type { ModelTelemetry } from '../../../contracts/telemetry.js'
import type { KeyframeAspectRatio } from '../aspect.js'
import type { StepCost } from '../costs.js'
import type { ProductImage } from '../product-images.js'
import type { EnhancerPrompt } from '../prompts.js'

/** What an enhancer is asked to do for one frame. */
export interface EnhanceRequest {
  prompt: EnhancerPrompt
  /** The product reference images. */
  references: readonly ProductImage[]
  aspectRatio: KeyframeAspectRatio
  signal: AbortSignal
}

/** The composition of one frame. */
export interface EnhanceResult {
  /** The detailed composition text. */
  composition: string
  model: ModelTelemetry
  /** Model call time, ms. */
  generationMs: number
  cost: StepCost
}

/**
 * The first stage of a keyframe: writes a detailed composition for one frame. Implemented by
 * `ModelEnhancer` over a text model of the model services: an MCP tool (`nano-banana`, other
 * registry aliases, the preview server's `preview_enhance_keyframe` template) or the local LLM.
 */
export interface KeyframeEnhancer {
  /** Recorded in reports and used as the queue's model key (rate limits). */
  readonly label: string
  /** True for template output no model wrote. */
  readonly preview: boolean
  /** Everything about the enhancer that changes its answers (part of cache keys). */
  readonly cacheIdentity: string
  /**
   * @throws KamuiError the classified MCP / LLM errors; GEN_001 (MCP) or LLM_002 (LLM) when
   *   the answer holds no usable composition
   */
  enhance(request: EnhanceRequest): Promise<EnhanceResult>
}
