/** One planned image of a run. */
export interface PlannedImage {
  /** 1-based image number (file `generated-image-{index}.png`). */
  index: number
  /** The model alias assigned by round robin. */
  model: string
  seed: number
}

/**
 * The number-of-images rule and round-robin model assignment of SPEC §5:
 * `N = max(imageCount, M)` and image `i` (1-based) uses `models[(i-1) mod M]`; seeds are
 * `baseSeed + i - 1` so every image of a run differs and a run can be repeated.
 */
export function planImages(
  imageCount: number,
  models: readonly string[],
  baseSeed: number,
): PlannedImage[] {
  if (models.length === 0) throw new Error('planImages needs at least one model')
  const n = Math.max(imageCount, models.length)
  return Array.from({ length: n }, (_, k) => ({
    index: k + 1,
    model: models[k % models.length] as string,
    seed: (baseSeed + k) % 2 ** 31,
  }))
}

export { ASPECT_RATIOS, nearestAspectRatio } from '../../providers/image/aspect.js'
