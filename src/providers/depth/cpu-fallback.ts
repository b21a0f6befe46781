import { isKamuiError } from '../../core/errors.js'
import type { DepthEstimate, DepthProvider, DepthRequest } from './provider.js'

/**
 * `depth-model: auto` (the pipeline's default without mcp-config): the CPU depth model, and,
 * when it cannot be had (PC_003: not cached and no download, or no runtime), the fallback (the
 * preview server's labelled placeholder depth) with a warning that says why. Any other error of
 * the CPU model is not hidden.
 */
export class CpuDepthWithFallback implements DepthProvider {
  readonly name: string

  constructor(
    private readonly primary: DepthProvider,
    private readonly fallback: DepthProvider,
  ) {
    this.name = `${primary.name} (else ${fallback.name})`
  }

  async estimate(request: DepthRequest): Promise<DepthEstimate> {
    try {
      return await this.primary.estimate(request)
    } catch (error) {
      if (!isKamuiError(error, 'PC_003') || request.signal.aborted) throw error
      request.logger.warn(
        `${this.primary.name} is not available, so depth comes from ${this.fallback.name}: ${error.detail}`,
      )
      return this.fallback.estimate(request)
    }
  }
}
