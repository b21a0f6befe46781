import { measureBlank, isBlank } from './metrics/blank.js'
import { measureCompressionArtefacts } from './metrics/compression-artefacts.js'
import { measureContrast } from './metrics/contrast.js'
import { measureEntropy } from './metrics/entropy.js'
import { clippedShares, measureClipping, measureExposure } from './metrics/exposure.js'
import { isUndersized, measureResolution, type Size } from './metrics/resolution.js'
import { round } from './metrics/score-map.js'
import { measureSharpness } from './metrics/sharpness.js'
import { decodePixels } from './pixels.js'
import type { MetricResult, TechnicalMetricName, TechnicalQuality } from './types.js'

/**
 * The technical assessment of an image: the metrics of `metrics/` measured on its pixels and
 * combined into one score (SPEC §5 "Quality"). Calibration: `CALIBRATION.md` beside this file.
 */

/** The metrics that grade the image (blank is a gate, not a grade). */
export type GradedMetricName = Exclude<TechnicalMetricName, 'blank'>

/** Weights of the graded metrics in the mean part of {@link combineTechnical} (they sum to 1). */
export const TECHNICAL_WEIGHTS: Readonly<Record<GradedMetricName, number>> = {
  resolution: 0.2,
  sharpness: 0.2,
  exposure: 0.15,
  clipping: 0.1,
  contrast: 0.15,
  entropy: 0.05,
  compression_artefacts: 0.15,
}

/** Share of the weakest metric in the technical score; the weighted mean has the rest. */
export const WEAKEST_LINK_SHARE = 0.7

/**
 * The metrics whose failure is a failure of the image, and so take part in the weakest link.
 * Entropy does not: a low entropy is normal for flat-colour illustrations and logos, and the
 * failure it points at (an empty render) is the blank gate's; it only moves the mean.
 */
export const FAILURE_METRICS: readonly GradedMetricName[] = [
  'resolution',
  'sharpness',
  'exposure',
  'clipping',
  'contrast',
  'compression_artefacts',
]

/** A metric scoring below this raises its flag (`blurry`, `low_contrast`, …). */
export const FLAG_BELOW = 0.5

/** Images smaller than this on either side are treated as failed renders (see {@link assessTechnical}). */
export const MIN_SIDE = 16

/**
 * Measures the technical quality of an image against the requested size.
 *
 * Decodes it once with sharp (`pixels.ts`), measures every metric (a 1024×1024 image takes
 * about 50 ms) and combines them with {@link combineTechnical}. An image smaller than
 * {@link MIN_SIDE} pixels on a side is a failed render like a blank one (`blank`, flag
 * `too_small`): its block grid cannot even be measured.
 *
 * @param image PNG bytes (any format sharp reads is accepted)
 * @throws KamuiError GEN_002 when the bytes cannot be decoded
 */
export async function assessTechnical(
  image: Uint8Array,
  requested: Size,
): Promise<TechnicalQuality> {
  const decoded = await decodePixels(image)
  const { full, analysis, histogram } = decoded
  const metrics: Record<TechnicalMetricName, MetricResult> = {
    resolution: measureResolution(full, requested),
    sharpness: measureSharpness(analysis, full.width),
    exposure: measureExposure(histogram),
    clipping: measureClipping(histogram),
    contrast: measureContrast(histogram),
    entropy: measureEntropy(histogram),
    blank: measureBlank(full),
    compression_artefacts: measureCompressionArtefacts(full),
  }
  const tooSmall = full.width < MIN_SIDE || full.height < MIN_SIDE
  const combined = combineTechnical(metrics, tooSmall)
  const flags = combined.blank
    ? ['blank', ...(tooSmall ? ['too_small'] : [])]
    : technicalFlags(metrics, histogram)
  if (isUndersized(full, requested)) flags.push('undersized')
  return { metrics, ...combined, flags }
}

/**
 * Combines the metric scores into the technical and artefact scores.
 *
 * - blank (the blank metric's score is 0) or `tooSmall`: technical 0 — a failed render is not
 *   graded (and the overall score is 0). The artefact score stays what was measured (a flat
 *   image has no blocking); an image too small for the block grid gets 0.
 * - otherwise, over the graded metrics that were measured (score not null), with `s_min` the
 *   lowest score of the {@link FAILURE_METRICS} (all but entropy) and `M` the mean of all of
 *   them weighted by {@link TECHNICAL_WEIGHTS} (renormalised over the measured ones):
 *
 *     technical = 0.7 · s_min + 0.3 · M
 *
 *   a weakest-link rule softened by the mean: one failure mode (blur, exposure, contrast,
 *   blocking, missing resolution) caps the score near its own, however good the rest is, while
 *   images without a failure are still ranked by all of their metrics. With all scores ≥ 0.9
 *   the technical score is ≥ 0.9; one metric at 0.3 keeps it below 0.52 (CALIBRATION.md).
 * - artefacts = the compression-artefact metric's score (also one of the graded metrics, so heavy
 *   blocking lowers the technical score as well as the artefacts dimension).
 */
export function combineTechnical(
  metrics: Record<TechnicalMetricName, MetricResult>,
  tooSmall = false,
): { blank: boolean; technicalScore: number; artefactScore: number } {
  if (tooSmall || isBlank(metrics.blank)) {
    const artefacts = metrics.compression_artefacts.score
    return { blank: true, technicalScore: 0, artefactScore: tooSmall ? 0 : (artefacts ?? 0) }
  }
  let weakest = 1
  let weighted = 0
  let weights = 0
  for (const [name, weight] of Object.entries(TECHNICAL_WEIGHTS) as [GradedMetricName, number][]) {
    const score = metrics[name].score
    if (score === null) continue
    if (FAILURE_METRICS.includes(name)) weakest = Math.min(weakest, score)
    weighted += weight * score
    weights += weight
  }
  const mean = weights > 0 ? weighted / weights : 0
  const technical = weights > 0 ? WEAKEST_LINK_SHARE * weakest + (1 - WEAKEST_LINK_SHARE) * mean : 0
  return {
    blank: false,
    technicalScore: round(clamp01(technical)),
    artefactScore: round(clamp01(metrics.compression_artefacts.score ?? 0)),
  }
}

/** The flags of a non-blank image (all but `undersized`, which the caller adds). */
function technicalFlags(
  metrics: Record<TechnicalMetricName, MetricResult>,
  histogram: Uint32Array,
): string[] {
  const flags: string[] = []
  const low = (name: TechnicalMetricName): boolean => {
    const score = metrics[name].score
    return score !== null && score < FLAG_BELOW
  }
  const mean = metrics.exposure.value ?? 128
  const shares = clippedShares(histogram)
  const overexposed =
    (low('exposure') && mean > 128) || (low('clipping') && shares.bright >= shares.dark)
  const underexposed =
    (low('exposure') && mean <= 128) || (low('clipping') && shares.dark > shares.bright)
  if (overexposed) flags.push('overexposed')
  if (underexposed) flags.push('underexposed')
  if (low('sharpness')) flags.push('blurry')
  if (low('contrast')) flags.push('low_contrast')
  if (low('compression_artefacts')) flags.push('blocky')
  return flags
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value))
}
