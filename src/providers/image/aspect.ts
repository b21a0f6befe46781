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
