import { describe, expect, it } from 'vitest'
import { panZoomFrames, panZoomMotion, viewAt } from '../../../src/media/video/pan-zoom.js'
import { clipSize, parseAspectRatio } from '../../../src/media/video/size.js'
import { FIRST_PICTURE, LAST_PICTURE, makeImage } from '../../integration/video/media-helpers.js'

describe('pan-and-zoom motion', () => {
  it('starts on the whole first image and, with a last frame, ends on the whole last image', () => {
    const one = panZoomMotion(7, 'push in', false)
    const two = panZoomMotion(7, 'push in', true)
    expect(viewAt(one, 0)).toEqual({ zoom: 1, cx: 0.5, cy: 0.5, mix: 0 })
    expect(viewAt(two, 0)).toEqual({ zoom: 1, cx: 0.5, cy: 0.5, mix: 0 })
    expect(viewAt(two, 1)).toEqual({ zoom: 1, cx: 0.5, cy: 0.5, mix: 1 })
    const end = viewAt(one, 1)
    expect(end.zoom).toBeCloseTo(1 + one.zoomAmount, 10)
    expect(end.mix).toBe(0)
    // The window never leaves the image.
    for (let t = 0; t <= 1; t += 0.05) {
      const v = viewAt(one, t)
      expect(v.cx - 0.5 / v.zoom).toBeGreaterThanOrEqual(0)
      expect(v.cx + 0.5 / v.zoom).toBeLessThanOrEqual(1)
    }
  })

  it('is deterministic in seed and prompt', () => {
    expect(panZoomMotion(1, 'a', false)).toEqual(panZoomMotion(1, 'a', false))
    expect(panZoomMotion(1, 'a', false)).not.toEqual(panZoomMotion(2, 'a', false))
  })

  it('frame 0 reproduces the first image and the last frame the last image, pixel for pixel', () => {
    const first = FIRST_PICTURE(40, 30)
    const last = LAST_PICTURE(40, 30)
    const frames = [
      ...panZoomFrames(first, last, {
        width: 40,
        height: 30,
        frames: 9,
        motion: panZoomMotion(3, 'x', true),
      }),
    ]
    expect(frames).toHaveLength(9)
    expect(Buffer.from(frames[0]?.data ?? [])).toEqual(Buffer.from(first.data))
    expect(Buffer.from(frames[8]?.data ?? [])).toEqual(Buffer.from(last.data))
    expect(Buffer.from(frames[4]?.data ?? [])).not.toEqual(Buffer.from(first.data))
  })

  it('crops a source of another aspect ratio around its centre', () => {
    // 60×30 source, 30×30 clip: frame 0 is the middle 30 columns.
    const wide = makeImage(60, 30, (x) => [x * 4, 0, 0])
    const [frame] = [
      ...panZoomFrames(wide, undefined, {
        width: 30,
        height: 30,
        frames: 1,
        motion: panZoomMotion(0, '', false),
      }),
    ]
    expect(frame?.data[0]).toBe(15 * 4)
    expect(frame?.data[29 * 3]).toBe(44 * 4)
  })
})

describe('clip size and aspect ratio', () => {
  it('keeps the image size, crops to a ratio, caps the long side, and uses even sides', () => {
    expect(clipSize(96, 64, undefined)).toEqual({ width: 96, height: 64 })
    expect(clipSize(1920, 1080, undefined)).toEqual({ width: 1280, height: 720 })
    expect(clipSize(1000, 1000, parseAspectRatio('16:9'))).toEqual({ width: 1000, height: 562 })
    expect(clipSize(97, 65, undefined)).toEqual({ width: 96, height: 64 })
    expect(clipSize(1280, 720, parseAspectRatio('9:16'))).toEqual({ width: 404, height: 720 })
  })

  it('parses W:H and refuses anything else with CFG_001', () => {
    expect(parseAspectRatio('')).toBeUndefined()
    expect(parseAspectRatio('auto')).toBeUndefined()
    expect(parseAspectRatio(' 16/9 ')).toEqual({ width: 16, height: 9, text: '16:9' })
    expect(() => parseAspectRatio('wide')).toThrow(/CFG_001: aspect-ratio must be W:H/)
  })
})
