import { beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { assessImage } from '../../../src/quality/assess.js'
import { NO_SCORER_REASON } from '../../../src/quality/overall.js'
import type { ImageQuality, Scorer, ScoreRequest } from '../../../src/quality/types.js'
import { flat, preview } from './calibration-images.js'

const REQUEST = { width: 1024, height: 1024 }
const PROMPT = 'a lighthouse on a rocky coast at sunset, photorealistic'

let png: Buffer

beforeAll(() => {
  png = preview(0)
})

/** A scorer answering fixed values and recording its requests. */
function fixed(
  name: string,
  values: { alignment?: number; aesthetic?: number },
): Scorer & {
  requests: ScoreRequest[]
} {
  const requests: ScoreRequest[] = []
  return {
    name,
    requests,
    score: (request) => {
      requests.push(request)
      return Promise.resolve({ ...values, source: `fixed:${name}` })
    },
  }
}

function failing(name: string, error: unknown): Scorer {
  return { name, score: () => Promise.reject(error) }
}

/**
 * Every number in an assessment is either a measurement, a weight, or a score derived from
 * measurements; where nothing was measured the value is null and a reason says why.
 */
function expectNoMadeUpNumbers(quality: ImageQuality): void {
  for (const [name, d] of Object.entries(quality.dimensions)) {
    if (d.score === null) {
      expect(d.reason, name).toMatch(/^not measured/)
      expect(d.source, name).toBeNull()
      expect(quality.appliedWeights[name as keyof ImageQuality['appliedWeights']], name).toBe(0)
    } else {
      expect(d.reason, name).toBeNull()
      expect(d.source, name).toEqual(expect.any(String))
    }
  }
  for (const [name, m] of Object.entries(quality.technical.metrics)) {
    if (m.value === null) {
      expect(m.score, name).toBeNull()
      expect(m.method, name).toMatch(/^not measured/)
    }
  }
}

describe('assessImage', () => {
  it('reports alignment and aesthetic as not measured, with a reason, without scorers', async () => {
    const quality = await assessImage(png, { prompt: PROMPT, requested: REQUEST })
    for (const d of ['alignment', 'aesthetic'] as const) {
      expect(quality.dimensions[d]).toEqual({ score: null, reason: NO_SCORER_REASON, source: null })
    }
    expect(quality.overall).toBeCloseTo(
      0.75 * quality.technical.technicalScore + 0.25 * quality.technical.artefactScore,
      3,
    )
    expectNoMadeUpNumbers(quality)
    expect(JSON.parse(JSON.stringify(quality.dimensions))).toEqual(quality.dimensions)
  })

  it('passes the PNG, the prompt and the signal to every scorer and uses their scores', async () => {
    const scorer = fixed('judge', { alignment: 0.5, aesthetic: 0.25 })
    const controller = new AbortController()
    const quality = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUEST,
      scorers: [scorer],
      signal: controller.signal,
    })
    expect(scorer.requests).toHaveLength(1)
    expect(scorer.requests[0]?.png.equals(png)).toBe(true)
    expect(scorer.requests[0]?.prompt).toBe(PROMPT)
    expect(scorer.requests[0]?.signal.aborted).toBe(false)
    const t = quality.technical
    expect(quality.overall).toBeCloseTo(
      0.3 * t.technicalScore + 0.4 * 0.5 + 0.2 * 0.25 + 0.1 * t.artefactScore,
      3,
    )
    expectNoMadeUpNumbers(quality)
  })

  it('does not fail the image when a scorer fails: null with the error, and a warning', async () => {
    const logger = new MemoryLogger()
    const quality = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUEST,
      scorers: [failing('judge', new KamuiError('IMG_008', 'scoring server unreachable'))],
      logger,
    })
    for (const d of ['alignment', 'aesthetic'] as const) {
      expect(quality.dimensions[d].score).toBeNull()
      expect(quality.dimensions[d].reason).toBe(
        'not measured: scorer "judge" failed: IMG_008: scoring server unreachable',
      )
    }
    expect(quality.appliedWeights).toMatchObject({ technical: 0.75, artefacts: 0.25 })
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: expect.stringContaining('Quality scorer "judge" failed: IMG_008'),
    })
    expectNoMadeUpNumbers(quality)
  })

  it('refuses scores outside 0–1 with a warning', async () => {
    const logger = new MemoryLogger()
    const quality = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUEST,
      scorers: [fixed('judge', { alignment: 7, aesthetic: 0.5 })],
      logger,
    })
    expect(quality.dimensions.alignment.score).toBeNull()
    expect(quality.dimensions.aesthetic.score).toBeNull()
    expect(quality.dimensions.alignment.reason).toContain('alignment = 7, not a number in 0–1')
    expect(
      logger.lines.some((l) => l.level === 'warn' && l.message.includes('alignment = 7')),
    ).toBe(true)
  })

  it('does not send a blank image to the scorers and scores it 0', async () => {
    const scorer = fixed('judge', { alignment: 1, aesthetic: 1 })
    const quality = await assessImage(await flat({ r: 0, g: 0, b: 0 }), {
      prompt: PROMPT,
      requested: REQUEST,
      scorers: [scorer],
    })
    expect(scorer.requests).toHaveLength(0)
    expect(quality.overall).toBe(0)
    expect(quality.technical.flags).toContain('blank')
    expect(quality.dimensions.alignment.reason).toMatch(/^not measured: the image is blank/)
    expectNoMadeUpNumbers(quality)
  })

  it('rethrows the signal reason when cancelled while a scorer runs', async () => {
    const controller = new AbortController()
    const slow: Scorer = {
      name: 'slow',
      score: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true })
          setTimeout(() => controller.abort(new KamuiError('IMG_003', 'deadline')), 5)
        }),
    }
    const error = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUEST,
      scorers: [slow],
      signal: controller.signal,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('IMG_003')
  })

  it('rejects at once when the signal has already aborted', async () => {
    const controller = new AbortController()
    controller.abort()
    const error = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUEST,
      signal: controller.signal,
    }).catch((e: unknown) => e)
    expect((error as KamuiError).code).toBe('RUN_001')
  })
})
