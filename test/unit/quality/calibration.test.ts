import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { assessImage } from '../../../src/quality/assess.js'
import type { ImageQuality } from '../../../src/quality/types.js'
import { calibrationSet, type CalibrationImage } from './calibration-images.js'

/**
 * The calibration of the technical metrics (src/quality/CALIBRATION.md): with no scorer
 * configured, every normal image's overall score is above the default quality-threshold 0.7 with
 * a margin, every failure mode's below it with a margin, and blank images score exactly 0.
 */

const THRESHOLD = 0.7
const MARGIN = 0.1

let assessed: { image: CalibrationImage; quality: ImageQuality }[] = []

beforeAll(async () => {
  const set = await calibrationSet()
  assessed = []
  for (const image of set) {
    const quality = await assessImage(image.png, {
      prompt: image.description,
      requested: image.requested,
    })
    assessed.push({ image, quality })
  }
}, 60_000)

describe('calibration set', () => {
  it('has normal images and every failure mode of the issue', () => {
    const flags = new Set(assessed.map(({ image }) => image.flag))
    for (const flag of [
      'blurry',
      'overexposed',
      'underexposed',
      'low_contrast',
      'blocky',
      'undersized',
      'blank',
    ]) {
      expect(flags).toContain(flag)
    }
    expect(assessed.filter(({ image }) => image.kind === 'normal').length).toBeGreaterThanOrEqual(6)
  })

  it(`scores every normal image above ${THRESHOLD} + ${MARGIN}, with no flags`, () => {
    for (const { image, quality } of assessed.filter((a) => a.image.kind === 'normal')) {
      expect(quality.overall, image.name).toBeGreaterThan(THRESHOLD + MARGIN)
      expect(quality.technical.flags, image.name).toEqual([])
    }
  })

  it(`scores every failure mode below ${THRESHOLD} − ${MARGIN} and raises its flag`, () => {
    for (const { image, quality } of assessed.filter((a) => a.image.kind === 'failure')) {
      expect(quality.overall, image.name).toBeLessThan(THRESHOLD - MARGIN)
      expect(quality.technical.flags, image.name).toContain(image.flag)
    }
  })

  it('scores blank images exactly 0 and no other image blank', () => {
    for (const { image, quality } of assessed) {
      expect(quality.technical.blank, image.name).toBe(image.blank)
      if (image.blank) {
        expect(quality.overall, image.name).toBe(0)
        expect(quality.technical.technicalScore, image.name).toBe(0)
      }
    }
  })

  it('weights technical 0.75 and artefacts 0.25 with no scorer configured', () => {
    for (const { quality } of assessed) {
      expect(quality.appliedWeights).toEqual({
        technical: 0.75,
        alignment: 0,
        aesthetic: 0,
        artefacts: 0.25,
      })
      expect(quality.dimensions.alignment.score).toBeNull()
      expect(quality.dimensions.aesthetic.score).toBeNull()
    }
  })

  it('matches the table of CALIBRATION.md', async () => {
    const doc = await readFile(
      new URL('../../../src/quality/CALIBRATION.md', import.meta.url),
      'utf8',
    )
    const rows = new Map<string, string[]>()
    for (const line of doc.split('\n')) {
      const cells = line.split('|').map((c) => c.trim())
      if (cells.length > 14 && /^`[a-z0-9-]+`$/.test(cells[1] ?? ''))
        rows.set(cells[1]!.slice(1, -1), cells)
    }
    expect([...rows.keys()].sort()).toEqual(assessed.map(({ image }) => image.name).sort())
    for (const { image, quality } of assessed) {
      const cells = rows.get(image.name) as string[]
      const number = (cell: string | undefined) => Number((cell ?? '').replace(/\*/g, ''))
      expect(number(cells[11]), `${image.name} technical`).toBeCloseTo(
        quality.technical.technicalScore,
        1,
      )
      expect(number(cells[12]), `${image.name} artefacts`).toBeCloseTo(
        quality.technical.artefactScore,
        1,
      )
      expect(number(cells[13]), `${image.name} overall`).toBeCloseTo(quality.overall, 1)
      expect(cells[14], `${image.name} flags`).toBe(quality.technical.flags.join(', ') || '–')
    }
  })
})
