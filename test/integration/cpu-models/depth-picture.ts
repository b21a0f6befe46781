import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PNG } from 'pngjs'
import { expect } from 'vitest'
import { makeImage } from '../video/media-helpers.js'

/** Size of the test picture, px. */
export const W = 60
export const H = 40
/** Left third white, right third black, middle third mid-grey. */
const shade = (x: number): number => (x < 20 ? 255 : x < 40 ? 128 : 0)
/** The picture the tiny depth model is run on (W × H RGB). */
export const PICTURE = makeImage(W, H, (x) => [shade(x), shade(x), shade(x)])

/**
 * Checks a point-cloud folder made from {@link PICTURE} with the tiny depth model: the legacy
 * files exist and `depth_gray.png` is W × H, 16-bit, with the tiny model's depth (the mean of the
 * normalised channels: the white third nearest, the black third farthest, grey between).
 *
 * @returns the 16-bit gray depth at pixel (x, y), 0–65535
 */
export async function expectTinyModelDepth(
  folder: string,
): Promise<(x: number, y: number) => number> {
  for (const file of ['depth.png', 'depth_gray.png', 'pointcloud.ply']) {
    expect(existsSync(path.join(folder, file)), file).toBe(true)
  }
  const gray = PNG.sync.read(await readFile(path.join(folder, 'depth_gray.png')), {
    skipRescale: true,
  })
  expect([gray.width, gray.height, gray.depth]).toEqual([W, H, 16])
  const g = gray.data as unknown as Uint16Array
  const at = (x: number, y: number): number => g[(y * W + x) * 4] as number
  expect(at(5, 20)).toBeGreaterThan(60000)
  expect(at(55, 20)).toBeLessThan(5000)
  expect(at(30, 20)).toBeGreaterThan(20000)
  expect(at(30, 20)).toBeLessThan(45000)
  return at
}
