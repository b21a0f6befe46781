import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { applyColorMode } from '../../../src/media/pointcloud/color-mode.js'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import type { RgbImage } from '../../../src/media/raster/rgb-image.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { makeImage, writePng } from '../video/media-helpers.js'
import { readPlyWithThree, type LoadedPly } from './ply-reader.js'

const W = 90
const H = 60
/** A picture with distinct colours everywhere (so a wrong pixel shows). */
const PICTURE: RgbImage = makeImage(W, H, (x, y) => [
  (x * 7 + y * 3) % 256,
  (y * 11 + x) % 256,
  (x * y) % 256,
])

/** The grey value of the 8-bit depth image at (x, y): a bowl, brighter (nearer) at the centre. */
const depth8 = (x: number, y: number): number =>
  Math.max(0, 255 - Math.round(Math.hypot(x - W / 2, y - H / 2) * 4))

async function writeGray(
  file: string,
  width: number,
  height: number,
  value: (x: number, y: number) => number,
  bitDepth: 8 | 16,
): Promise<void> {
  const png = new PNG({
    width,
    height,
    bitDepth,
    colorType: 0,
    inputColorType: 0,
    inputHasAlpha: false,
  })
  const data = bitDepth === 16 ? new Uint16Array(width * height) : Buffer.alloc(width * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = value(x, y)
  png.data = data as unknown as Buffer
  await writeFile(
    file,
    PNG.sync.write(png, { bitDepth, colorType: 0, inputColorType: 0, inputHasAlpha: false }),
  )
}

function readGray16(bytes: Buffer): {
  width: number
  height: number
  at: (x: number, y: number) => number
} {
  const png = PNG.sync.read(bytes, { skipRescale: true })
  expect(png.depth).toBe(16)
  const data = png.data as unknown as Uint16Array
  return {
    width: png.width,
    height: png.height,
    at: (x, y) => data[(y * png.width + x) * 4] as number,
  }
}

/** Every vertex's pixel: x = col − W/2, y = −(row − H/2). */
function pixelOf(ply: LoadedPly, i: number): { col: number; row: number } {
  const col = (ply.positions[i * 3] as number) + W / 2
  const row = H / 2 - (ply.positions[i * 3 + 1] as number)
  expect(Number.isInteger(col) && Number.isInteger(row)).toBe(true)
  return { col, row }
}

describe('pointcloud-generation', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-pointcloud-')
    await writePng(path.join(ws, 'photo.png'), PICTURE)
    await writeGray(path.join(ws, 'depth8.png'), W, H, depth8, 8)
    await writeGray(path.join(ws, 'depth16.png'), W, H, (x, y) => (x * 701 + y * 13) % 65536, 16)
  })
  afterAll(async () => removeDir(ws))

  it('with a depth image the cloud follows it exactly; three.js reads the PLY back (binary)', async () => {
    const run = await runKamui(
      [
        'pointcloud-generation',
        '--input-image-path',
        'photo.png',
        '--output-folder',
        'given',
        '--depth-image',
        'depth8.png',
        '--max-points',
        '1000',
      ],
      { cwd: ws },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs).toMatchObject({
      'pointcloud-completed': 'true',
      'depth-map-path': 'given/depth.png',
      'ply-file-path': 'given/pointcloud.ply',
      'depth-gray-path': 'given/depth_gray.png',
      'depth-source': 'depth-image:depth8.png',
    })
    const ply = await readPlyWithThree(path.join(ws, 'given/pointcloud.ply'))
    expect(ply.header).toMatch(/format binary_little_endian 1.0/)
    expect(ply.count).toBe(Number(run.outputs['point-count']))
    expect(ply.count).toBeLessThanOrEqual(1000)
    expect(ply.count).toBe(Math.ceil(W / 3) * Math.ceil(H / 3)) // stride 3: 30 × 20 = 600
    for (let i = 0; i < ply.count; i++) {
      const { col, row } = pixelOf(ply, i)
      // z is the given depth exactly: value / 255 · 100.
      expect(ply.positions[i * 3 + 2]).toBe(Math.fround((depth8(col, row) / 255) * 100))
      const p = (row * W + col) * 3
      expect([...ply.colors.subarray(i * 3, i * 3 + 3)]).toEqual([
        ...PICTURE.data.subarray(p, p + 3),
      ])
    }
    // depth_gray.png is the 16-bit depth the cloud used; depth.png is colour-mapped RGB.
    const gray = readGray16(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(path.join(ws, 'given/depth_gray.png')),
      ),
    )
    expect(gray.at(45, 30)).toBe(depth8(45, 30) * 257)
    const colour = PNG.sync.read(
      await import('node:fs/promises').then((fs) => fs.readFile(path.join(ws, 'given/depth.png'))),
    )
    expect([colour.width, colour.height, colour.colorType]).toEqual([W, H, 2])
    expect((await verifyTelemetry(path.join(ws, 'given'))).problems).toEqual([])
  })

  it('keeps 16-bit depth, writes ASCII on request, and applies color-mode sepia', async () => {
    const result = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'photo.png',
        'output-folder': 'ascii',
        'depth-image': 'depth16.png',
        'ply-format': 'ascii',
        'color-mode': 'sepia',
      }),
      testContext(ws),
    )
    const ply = await readPlyWithThree(result.files.ply)
    expect(ply.header).toMatch(/format ascii 1.0/)
    expect(ply.count).toBe(W * H) // 5400 ≤ 100 000: every pixel
    for (const i of [0, 1, 91, 2000, 5399]) {
      const { col, row } = pixelOf(ply, i)
      expect(ply.positions[i * 3 + 2]).toBe(
        Math.fround((((col * 701 + row * 13) % 65536) / 65535) * 100),
      )
      const p = (row * W + col) * 3
      const expected = applyColorMode(
        'sepia',
        PICTURE.data[p] as number,
        PICTURE.data[p + 1] as number,
        PICTURE.data[p + 2] as number,
      )
      expect([...ply.colors.subarray(i * 3, i * 3 + 3)]).toEqual(expected)
    }
  })

  it('without mcp-config the default depth-model is Depth Anything V2 Small on the CPU; without its model (offline, empty cache) it fails with PC_003 saying how to provide depth', async () => {
    const run = await runKamui(
      [
        'pointcloud-generation',
        '--input-image-path',
        'photo.png',
        '--output-folder',
        'none',
        '--model-cache-dir',
        'empty-model-cache',
      ],
      { cwd: ws, env: { HF_HUB_OFFLINE: '1' } },
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /PC_003: depth-anything-v2-small \(onnx-community\/depth-anything-v2-small@4472b73\) is not in the model cache .*empty-model-cache and downloads are off \(HF_HUB_OFFLINE\)/,
    )
    expect(run.stderr).toMatch(/depth-model midas_v21_small, the default, is an MCP tool/)
    expect(run.stderr).toMatch(/mcp-config with a server/)
    expect(run.stderr).toMatch(/depth-image/)
    expect(run.stderr).toMatch(/depth-model: luminance-heuristic/)
    expect(run.stdout).toBe('')
  })

  it('the luminance heuristic runs only when named, and is labelled as a heuristic', async () => {
    const context = testContext(ws)
    const result = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'photo.png',
        'output-folder': 'heuristic',
        'depth-model': 'luminance-heuristic',
        'color-mode': 'monochrome',
      }),
      context,
    )
    expect(result.estimate.source).toMatchObject({
      label: 'luminance-heuristic',
      heuristic: true,
      model: null,
    })
    expect(logText(context.logger)).toMatch(/HEURISTIC depth/)
    const ply = await readPlyWithThree(result.files.ply)
    expect(ply.header).toMatch(/comment HEURISTIC depth/)
    const { col, row } = pixelOf(ply, 1234)
    const p = (row * W + col) * 3
    const [r, g, b] = [PICTURE.data[p], PICTURE.data[p + 1], PICTURE.data[p + 2]] as number[]
    const luma = (0.2126 * (r as number) + 0.7152 * (g as number) + 0.0722 * (b as number)) / 255
    expect(ply.positions[1234 * 3 + 2]).toBeCloseTo((Math.round(luma * 65535) / 65535) * 100, 4)
    const grey = Math.round(0.299 * (r as number) + 0.587 * (g as number) + 0.114 * (b as number))
    expect([...ply.colors.subarray(1234 * 3, 1234 * 3 + 3)]).toEqual([grey, grey, grey])
    const telemetry = JSON.parse(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(path.join(ws, 'heuristic/metadata/artifact-metadata.json'), 'utf8'),
      ),
    )
    expect(telemetry.artifacts.map((a: { heuristic: boolean }) => a.heuristic)).toEqual([
      true,
      true,
      true,
    ])
  })

  describe('through MCP', () => {
    let fake: FakeVideoHandle
    beforeAll(async () => {
      fake = await startFakeVideo()
    })
    afterAll(async () => fake.stop())

    it('calls the depth tool named by depth-model, resizes its map, and z follows depth_gray.png', async () => {
      const result = await runPointcloudGeneration(
        parsePointcloudInputs({
          'input-image-path': 'photo.png',
          'output-folder': 'midas',
          'mcp-config': fake.mcpConfig,
          'max-points': '500',
        }),
        testContext(ws),
      )
      expect(result.estimate.source).toMatchObject({
        label: 'mcp:midas_v21_small',
        kind: 'mcp',
        preview: false,
        model: {
          alias: 'midas_v21_small',
          provider: 'mcp',
          server: 'i2v-fake-hailuo',
          tool: 'midas_v21_small',
        },
      })
      expect((await fake.calls()).some((c) => c.tool === 'midas_v21_small')).toBe(true)
      const ply = await readPlyWithThree(result.files.ply)
      expect(ply.count).toBe(result.cloud.count)
      expect(ply.count).toBeLessThanOrEqual(500)
      const gray = readGray16(
        await import('node:fs/promises').then((fs) => fs.readFile(result.files.depthGray)),
      )
      expect([gray.width, gray.height]).toEqual([W, H])
      let increasing = 0
      for (let i = 0; i < ply.count; i++) {
        const { col, row } = pixelOf(ply, i)
        expect(ply.positions[i * 3 + 2]).toBe(Math.fround((gray.at(col, row) / 65535) * 100))
        if (
          i > 0 &&
          col > 0 &&
          (ply.positions[i * 3 + 2] as number) > (ply.positions[i * 3 - 1] as number)
        )
          increasing++
      }
      // The fake's ramp (left far, right near), upsampled from 45×30: z grows along each row.
      expect(increasing).toBeGreaterThan(ply.count * 0.8)
      expect((await verifyTelemetry(path.join(ws, 'midas'))).problems).toEqual([])
    })

    it('an mcp-config without the depth tool fails with PC_001', async () => {
      const error = await runPointcloudGeneration(
        parsePointcloudInputs({
          'input-image-path': 'photo.png',
          'output-folder': 'nodepth',
          'mcp-config': fake.mcpConfig,
          'depth-model': 'depth-anything',
        }),
        testContext(ws),
      ).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(KamuiError)
      expect((error as KamuiError).code).toBe('PC_001')
      expect((error as Error).message).toMatch(
        /no configured MCP server has the tool "depth_anything"/,
      )
    })
  })

  it("depth-model preview uses the preview server's placeholder, labelled PREVIEW", async () => {
    const result = await runPointcloudGeneration(
      parsePointcloudInputs({
        'input-image-path': 'photo.png',
        'output-folder': 'preview',
        'depth-model': 'preview',
      }),
      testContext(ws),
    )
    expect(result.estimate.source).toMatchObject({
      label: 'preview',
      preview: true,
      model: { provider: 'preview', tool: 'preview_estimate_depth' },
    })
    const ply = await readPlyWithThree(result.files.ply)
    expect(ply.header).toMatch(/comment PREVIEW depth/)
    // Placeholder rule: 0.6 · row/(H−1) + 0.4 · luma; at a black-ish pixel the gradient dominates.
    const top = result.depth.values[0] as number
    const bottom = result.depth.values[(H - 1) * W] as number
    expect(bottom - top).toBeGreaterThan(0.5)
    const telemetry = JSON.parse(
      await import('node:fs/promises').then((fs) =>
        fs.readFile(path.join(ws, 'preview/metadata/artifact-metadata.json'), 'utf8'),
      ),
    )
    expect(telemetry.artifacts.every((a: { preview: boolean }) => a.preview)).toBe(true)
  })
})
