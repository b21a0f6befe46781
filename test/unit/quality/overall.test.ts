import { describe, expect, it } from 'vitest'
import { combineQuality, NO_SCORER_REASON, PIXEL_SOURCE } from '../../../src/quality/overall.js'
import { combineTechnical } from '../../../src/quality/technical.js'
import type {
  MetricResult,
  ScorerOutcome,
  TechnicalMetricName,
  TechnicalQuality,
} from '../../../src/quality/types.js'
import { QUALITY_WEIGHTS } from '../../../src/quality/types.js'

function metric(score: number | null, value: number | null = score): MetricResult {
  return { value, unit: 'test', score, method: score === null ? 'not measured: test' : 'test' }
}

function technical(
  overrides: Partial<Record<TechnicalMetricName, MetricResult>> = {},
): TechnicalQuality {
  const metrics: Record<TechnicalMetricName, MetricResult> = {
    resolution: metric(1),
    sharpness: metric(1),
    exposure: metric(1, 120),
    clipping: metric(1, 0),
    contrast: metric(1, 0.2),
    entropy: metric(1, 7),
    blank: metric(1, 0.1),
    compression_artefacts: metric(0.8, 1.6),
    ...overrides,
  }
  return { metrics, ...combineTechnical(metrics), flags: [] }
}

const ok = (alignment?: number, aesthetic?: number, scorer = 's'): ScorerOutcome => ({
  scorer,
  result: {
    ...(alignment !== undefined ? { alignment } : {}),
    ...(aesthetic !== undefined ? { aesthetic } : {}),
    source: `test:${scorer}`,
  },
})

describe('combineTechnical', () => {
  it('is 0.7 × the weakest failure metric + 0.3 × the weighted mean', () => {
    const t = technical({ sharpness: metric(0.2) })
    // mean: 0.2·1 + 0.2·0.2 + 0.15 + 0.1 + 0.15 + 0.05 + 0.15·0.8 = 0.81
    expect(t.technicalScore).toBeCloseTo(0.7 * 0.2 + 0.3 * 0.81, 3)
    expect(t.artefactScore).toBe(0.8)
  })

  it('leaves entropy out of the weakest link and skips metrics that were not measured', () => {
    const lowEntropy = technical({ entropy: metric(0.1), compression_artefacts: metric(1) })
    expect(lowEntropy.technicalScore).toBeCloseTo(0.7 + 0.3 * (0.95 + 0.05 * 0.1), 3)
    const unmeasured = technical({ sharpness: metric(null), compression_artefacts: metric(1) })
    expect(unmeasured.technicalScore).toBe(1)
  })

  it('gives 0 for a blank image and keeps the measured artefact score', () => {
    const blank = technical({ blank: metric(0, 1), compression_artefacts: metric(1, 1) })
    expect(blank).toMatchObject({ blank: true, technicalScore: 0, artefactScore: 1 })
  })
})

describe('combineQuality', () => {
  it('renormalises technical and artefacts to 0.75 / 0.25 when no scorer is configured', () => {
    const t = technical()
    const q = combineQuality(t, [])
    expect(q.appliedWeights).toEqual({
      technical: 0.75,
      alignment: 0,
      aesthetic: 0,
      artefacts: 0.25,
    })
    expect(q.overall).toBeCloseTo(0.75 * t.technicalScore + 0.25 * 0.8, 3)
    for (const d of ['alignment', 'aesthetic'] as const) {
      expect(q.dimensions[d]).toEqual({ score: null, reason: NO_SCORER_REASON, source: null })
    }
    expect(q.dimensions.technical).toEqual({
      score: t.technicalScore,
      reason: null,
      source: PIXEL_SOURCE,
    })
  })

  it('uses the original weights when every dimension is measured', () => {
    const t = technical()
    const q = combineQuality(t, [ok(0.9, 0.5)])
    expect(q.appliedWeights).toEqual({ ...QUALITY_WEIGHTS })
    expect(q.overall).toBeCloseTo(0.3 * t.technicalScore + 0.4 * 0.9 + 0.2 * 0.5 + 0.1 * 0.8, 3)
    expect(q.dimensions.alignment).toEqual({ score: 0.9, reason: null, source: 'test:s' })
  })

  it('renormalises over the measured dimensions when a scorer returns only one', () => {
    const t = technical()
    const q = combineQuality(t, [ok(undefined, 0.6)])
    expect(q.appliedWeights.technical).toBeCloseTo(0.5, 6)
    expect(q.appliedWeights.aesthetic).toBeCloseTo(1 / 3, 6)
    expect(q.appliedWeights.artefacts).toBeCloseTo(1 / 6, 6)
    expect(q.appliedWeights.alignment).toBe(0)
    expect(q.overall).toBeCloseTo((0.3 * t.technicalScore + 0.2 * 0.6 + 0.1 * 0.8) / 0.6, 3)
    expect(q.dimensions.alignment.score).toBeNull()
    expect(q.dimensions.alignment.reason).toBe(
      'not measured: scorer "s" returned no alignment score',
    )
  })

  it('takes the first scorer that measured a dimension and fills gaps from the next', () => {
    const q = combineQuality(technical(), [ok(0.8, undefined, 'a'), ok(0.1, 0.4, 'b')])
    expect(q.dimensions.alignment).toMatchObject({ score: 0.8, source: 'test:a' })
    expect(q.dimensions.aesthetic).toMatchObject({ score: 0.4, source: 'test:b' })
  })

  it('reports a failed scorer as the reason of its dimensions', () => {
    const q = combineQuality(technical(), [
      { scorer: 'vision', dimensions: ['aesthetic'], error: 'IMG_008: connection refused' },
      ok(0.7, undefined, 'clip'),
    ])
    expect(q.dimensions.alignment).toMatchObject({ score: 0.7, source: 'test:clip' })
    expect(q.dimensions.aesthetic).toEqual({
      score: null,
      reason:
        'not measured: scorer "vision" failed: IMG_008: connection refused; scorer "clip" returned no aesthetic score',
      source: null,
    })
  })

  it('never uses values that are not numbers in 0–1', () => {
    const q = combineQuality(technical(), [ok(1.5, Number.NaN)])
    expect(q.dimensions.alignment.score).toBeNull()
    expect(q.dimensions.alignment.reason).toContain('alignment = 1.5')
    expect(q.dimensions.aesthetic.score).toBeNull()
    expect(q.appliedWeights.alignment).toBe(0)
  })

  it('scores a blank image 0 whatever the scorers say', () => {
    const blank = technical({ blank: metric(0, 1) })
    const q = combineQuality(blank, [ok(1, 1)])
    expect(q.overall).toBe(0)
    expect(q.dimensions.technical.score).toBe(0)
  })

  it('reports artefacts as not measured when the metric could not be measured', () => {
    const t = technical({ compression_artefacts: metric(null) })
    const q = combineQuality(t, [])
    expect(q.dimensions.artefacts).toEqual({
      score: null,
      reason: 'not measured: test',
      source: null,
    })
    expect(q.appliedWeights).toEqual({ technical: 1, alignment: 0, aesthetic: 0, artefacts: 0 })
    expect(q.overall).toBe(t.technicalScore)
  })
})
