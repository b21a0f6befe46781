import { describe, expect, it } from 'vitest'
import { parseKeyframesInputs, parseRetrySegments } from '../../../src/stages/keyframes/inputs.js'

const base = { 'product-images': 'a.png', 'folder-name': 'out', concept: 'A mug' }

describe('parseKeyframesInputs', () => {
  it('applies the defaults', () => {
    expect(parseKeyframesInputs(base)).toMatchObject({
      storyIndex: 1,
      aspectRatio: '16:9',
      segmentCount: 4,
      storyModel: 'auto',
      enhancerModel: 'auto',
      keyframeModel: 'auto',
      maxParallel: 4,
      schedule: 'graph',
      seed: 0,
      cacheFolder: '.kamui-cache/keyframes',
      cacheTtlMs: 24 * 3_600_000,
      retrySegments: [],
      mcpConfig: undefined,
    })
  })

  it.each([
    [{ concept: '' }, /KF_002: no storyboard/],
    [{ 'aspect-ratio': '4:3' }, /CFG_001: aspect-ratio must be one of 16:9, 9:16, 1:1, got "4:3"/],
    [{ 'segment-count': '1' }, /CFG_001: segment-count must be a whole number from 2 to 12/],
    [{ 'story-index': '0' }, /CFG_001: story-index/],
    [{ schedule: 'fast' }, /CFG_001: schedule must be graph or sequential/],
    [{ 'cache-ttl-hours': '-1' }, /CFG_001: cache-ttl-hours/],
    [{ 'product-images': '' }, /KF_001: product-images is empty/],
    [{ 'keyframe-model': 'a b' }, /CFG_001: keyframe-model must be a model alias/],
  ])('refuses %o', (raw, message) => {
    expect(() => parseKeyframesInputs({ ...base, ...raw })).toThrow(message)
  })

  it('parses retry-segments', () => {
    expect(parseRetrySegments('3, 1 3')).toEqual([1, 3])
    expect(() => parseRetrySegments('2,x,0')).toThrow(
      /retry-segments must list segment numbers from 1 to 12, got "x", "0"/,
    )
  })
})
