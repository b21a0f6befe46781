import { describe, expect, it } from 'vitest'
import { applyColorMode } from '../../../src/media/pointcloud/color-mode.js'
import { colourMapDepth, plasma, PLASMA_STOPS } from '../../../src/media/pointcloud/colormap.js'
import { quantizeDepth16, resizeDepth } from '../../../src/media/pointcloud/depth-map.js'
import { decodeDepthPng, encodeGray16Png } from '../../../src/media/pointcloud/gray-png.js'
import { encodePly } from '../../../src/media/pointcloud/ply.js'
import { buildPointCloud, samplingStride } from '../../../src/media/pointcloud/sample.js'
import { makeImage } from '../../integration/video/media-helpers.js'
import { readPlyWithThree } from '../../integration/pointcloud/ply-reader.js'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import os from 'node:os'

describe('samplingStride', () => {
  it('keeps the grid at or under max-points, even where the legacy formula overshoots', () => {
    for (const [w, h, max] of [
      [3, 101, 100],
      [1024, 1024, 100_000],
      [1920, 1080, 100_000],
      [7, 7, 1],
      [640, 480, 12_345],
    ] as const) {
      const s = samplingStride(w, h, max)
      expect(Math.ceil(w / s) * Math.ceil(h / s)).toBeLessThanOrEqual(max)
      if (s > 1) expect(Math.ceil(w / (s - 1)) * Math.ceil(h / (s - 1))).toBeGreaterThan(max)
    }
    // The legacy ⌈√(W·H/max)⌉ = 2 gives 2 × 51 = 102 points here.
    expect(samplingStride(3, 101, 100)).toBe(3)
    expect(samplingStride(100, 100, 100_000)).toBe(1)
  })
})

describe('buildPointCloud', () => {
  it('places sampled pixels at x = col − W/2, y = −(row − H/2), z = depth · 100, with their colours', () => {
    const image = makeImage(4, 2, (x, y) => [x * 10, y * 10, 7])
    const depth = quantizeDepth16({
      width: 4,
      height: 2,
      values: Float32Array.from([0, 0.5, 1, 0.25, 1, 1, 1, 1]),
    })
    const cloud = buildPointCloud(image, depth, { maxPoints: 4, colorMode: 'color' })
    expect(cloud.stride).toBe(2)
    expect(cloud.count).toBe(2)
    expect([...cloud.positions]).toEqual([-2, 1, 0, 0, 1, 100])
    expect([...cloud.colors]).toEqual([0, 0, 7, 20, 0, 7])
  })

  it('refuses a depth map of another size', () => {
    expect(() =>
      buildPointCloud(
        makeImage(2, 2, () => [0, 0, 0]),
        { width: 1, height: 1, values: new Float32Array(1) },
        { maxPoints: 9, colorMode: 'color' },
      ),
    ).toThrow(/does not match/)
  })
})

describe('colour modes and the depth colour map', () => {
  it('monochrome is Rec. 601 luma, sepia the classic matrix clipped at 255', () => {
    expect(applyColorMode('color', 10, 20, 30)).toEqual([10, 20, 30])
    expect(applyColorMode('monochrome', 255, 0, 0)).toEqual([76, 76, 76])
    expect(applyColorMode('sepia', 100, 100, 100)).toEqual([135, 120, 94])
    expect(applyColorMode('sepia', 255, 255, 255)).toEqual([255, 255, 239])
  })

  it('plasma passes through its stops and interpolates between them', () => {
    expect(plasma(0)).toEqual([...(PLASMA_STOPS[0] ?? [])])
    expect(plasma(1)).toEqual([...(PLASMA_STOPS[4] ?? [])])
    expect(plasma(0.5)).toEqual([0xcc, 0x47, 0x78])
    expect(plasma(0.125)).toEqual([70, 6, 152])
    expect([...colourMapDepth({ width: 2, height: 1, values: Float32Array.from([0, 1]) })]).toEqual(
      [13, 8, 135, 240, 249, 33],
    )
  })
})

describe('depth maps', () => {
  it('16-bit grey PNGs round-trip exactly; 8-bit ones read as value / 255', () => {
    const depth = quantizeDepth16({
      width: 3,
      height: 1,
      values: Float32Array.from([0, 0.123456, 1]),
    })
    const back = decodeDepthPng(encodeGray16Png(depth), 'test')
    expect(back.bitDepth).toBe(16)
    expect([...back.values]).toEqual([...depth.values])
    expect([...(depth.samples16 ?? [])]).toEqual([0, Math.round(0.123456 * 65535), 65535])
  })

  it('resizes bilinearly with aligned pixel centres', () => {
    const small = { width: 2, height: 1, values: Float32Array.from([0, 1]) }
    expect([...resizeDepth(small, 4, 1).values]).toEqual([0, 0.25, 0.75, 1])
    expect(resizeDepth(small, 2, 1)).toBe(small)
  })
})

describe('encodePly', () => {
  it('writes binary little-endian and ASCII files that three.js reads back identically', async () => {
    const image = makeImage(5, 3, (x, y) => [x * 50, y * 100, 255 - x])
    const depth = quantizeDepth16({
      width: 5,
      height: 3,
      values: Float32Array.from({ length: 15 }, (_, i) => i / 14),
    })
    const cloud = buildPointCloud(image, depth, { maxPoints: 100, colorMode: 'color' })
    const dir = os.tmpdir()
    for (const format of ['binary', 'ascii'] as const) {
      const file = path.join(dir, `kamui-test-${process.pid}-${format}.ply`)
      const bytes = encodePly(cloud, format, ['a comment\nwith a line break'])
      if (format === 'binary')
        expect(bytes.length).toBe(bytes.indexOf('end_header\n') + 11 + 15 * 15)
      await writeFile(file, bytes)
      const ply = await readPlyWithThree(file)
      expect(ply.header).toContain('comment a comment with a line break')
      expect(ply.count).toBe(15)
      expect([...ply.positions]).toEqual([...cloud.positions])
      expect([...ply.colors]).toEqual([...cloud.colors])
    }
  })
})
