import type { RgbImage } from '../../media/raster/rgb-image.js'
import type { DepthMap } from '../../media/pointcloud/depth-map.js'
import { luma709 } from '../../media/pointcloud/luma.js'
import type { DepthEstimate, DepthProvider, DepthRequest, DepthSourceInfo } from './provider.js'

/** The `depth-model` value that asks for the brightness heuristic. */
export const LUMINANCE_HEURISTIC = 'luminance-heuristic'

/** What the heuristic's outputs say about it. */
export const HEURISTIC_NOTICE =
  'HEURISTIC depth: depth-model luminance-heuristic guesses depth from brightness ' +
  '(brighter = nearer, Rec. 709 luma). It is not a depth model; use a depth model for real depth.'

/**
 * The luminance heuristic: depth = the pixel's Rec. 709 luma (0–1), brighter = nearer. A fixed
 * rule on the picture, asked for only by name and labelled as a heuristic everywhere.
 */
export function luminanceDepth(image: RgbImage): DepthMap {
  const values = new Float32Array(image.width * image.height)
  for (let i = 0; i < values.length; i++) {
    values[i] = luma709(
      image.data[i * 3] as number,
      image.data[i * 3 + 1] as number,
      image.data[i * 3 + 2] as number,
    )
  }
  return { width: image.width, height: image.height, values }
}

/** The heuristic as a {@link DepthProvider}. */
export class LuminanceHeuristicProvider implements DepthProvider {
  readonly name = LUMINANCE_HEURISTIC

  async estimate(request: DepthRequest): Promise<DepthEstimate> {
    const started = performance.now()
    const depth = luminanceDepth(request.rgb)
    const source: DepthSourceInfo = {
      label: LUMINANCE_HEURISTIC,
      kind: 'heuristic',
      model: null,
      preview: false,
      heuristic: true,
      notice: HEURISTIC_NOTICE,
    }
    return {
      depth,
      source,
      generationMs: Math.round(performance.now() - started),
      downloadMs: null,
      gpuMemory: null,
      attempts: 0,
    }
  }
}
