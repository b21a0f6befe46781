import { describe, expect, it } from 'vitest'
import { nearestAspectRatio, planImages } from '../../../src/stages/image-generation/plan.js'

describe('planImages', () => {
  it('makes max(image-count, M) images assigned round robin (SPEC §5)', () => {
    expect(
      planImages(5, ['imagen4-fast', 'flux-schnell'], 10).map((p) => [p.index, p.model, p.seed]),
    ).toEqual([
      [1, 'imagen4-fast', 10],
      [2, 'flux-schnell', 11],
      [3, 'imagen4-fast', 12],
      [4, 'flux-schnell', 13],
      [5, 'imagen4-fast', 14],
    ])
    expect(planImages(1, ['a', 'b', 'c'], 0).map((p) => p.model)).toEqual(['a', 'b', 'c'])
  })
})

describe('nearestAspectRatio', () => {
  it.each([
    [1024, 1024, '1:1'],
    [1280, 720, '16:9'],
    [720, 1280, '9:16'],
    [1024, 768, '4:3'],
    [900, 1200, '3:4'],
    [4000, 1000, '16:9'],
  ])('%i×%i → %s', (w, h, ratio) => {
    expect(nearestAspectRatio(w, h)).toBe(ratio)
  })
})
