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

/** Aspect ratios the hosted image tools accept (kamuicode tool catalogue). */
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'] as const

/** The supported aspect ratio nearest to `width`×`height` (compared on the log scale). */
export function nearestAspectRatio(width: number, height: number): (typeof ASPECT_RATIOS)[number] {
  const target = Math.log(width / height)
  let best: (typeof ASPECT_RATIOS)[number] = '1:1'
  let bestDistance = Infinity
  for (const ratio of ASPECT_RATIOS) {
    const [w, h] = ratio.split(':').map(Number) as [number, number]
    const distance = Math.abs(Math.log(w / h) - target)
    if (distance < bestDistance) {
      best = ratio
      bestDistance = distance
    }
  }
  return best
}
