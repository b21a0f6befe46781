import { readFile } from 'node:fs/promises'
import { KamuiError } from '../../core/errors.js'
import { decodeDepthImage } from './decode.js'
import type { DepthEstimate, DepthProvider, DepthRequest } from './provider.js'

/**
 * The `depth-image` input as a {@link DepthProvider}: a depth map the user already has (grey,
 * 8 or 16 bits, brighter = nearer; resized to the image by the stage when the sizes differ).
 */
export class DepthImageProvider implements DepthProvider {
  readonly name: string

  /**
   * @param file absolute path of the depth image (already resolved inside the workspace)
   * @param shown the path as the user gave it, for labels and messages
   */
  constructor(
    private readonly file: string,
    private readonly shown: string,
  ) {
    this.name = `depth-image:${shown}`
  }

  async estimate(_request: DepthRequest): Promise<DepthEstimate> {
    const started = performance.now()
    let bytes: Buffer
    try {
      bytes = await readFile(this.file)
    } catch (error) {
      throw new KamuiError(
        'PC_002',
        `depth-image "${this.shown}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        {
          cause: error,
        },
      )
    }
    const depth = await decodeDepthImage(bytes, `depth-image "${this.shown}"`)
    return {
      depth,
      source: {
        label: this.name,
        kind: 'depth-image',
        model: null,
        preview: false,
        heuristic: false,
        notice: null,
      },
      generationMs: 0,
      downloadMs: Math.round(performance.now() - started),
      gpuMemory: null,
      attempts: 0,
    }
  }
}
