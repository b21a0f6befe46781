import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { MANIFEST_FILE, modelDir, type CpuModelOptions } from '../../../src/models/cpu/cache.js'
import { DEPTH_ANYTHING_V2_SMALL } from '../../../src/models/cpu/catalog.js'
import { DepthAnythingProvider } from '../../../src/providers/depth/depth-anything.js'
import type { DepthRequest } from '../../../src/providers/depth/provider.js'
import { closedPortUrl, fakeHub, tinyCatalogEntry, tinyDepthFiles } from './tiny-models.js'

/** 40×20 picture: left half white, right half black, a grey square in the middle of the right half. */
function picture(): DepthRequest['rgb'] {
  const width = 40
  const height = 20
  const data = new Uint8Array(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x < 20 ? 255 : x >= 26 && x < 34 && y >= 6 && y < 14 ? 128 : 0
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3)
    }
  }
  return { width, height, data }
}

function request(logger = new MemoryLogger()): DepthRequest {
  const rgb = picture()
  return {
    png: Buffer.alloc(0),
    width: rgb.width,
    height: rgb.height,
    rgb,
    signal: new AbortController().signal,
    logger,
  }
}

describe('Depth Anything V2 Small on the CPU (tiny model with the real interface)', () => {
  const files = tinyDepthFiles()
  const model = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)
  let cacheDir: string
  beforeEach(() => {
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-models-'))
  })
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }))

  it('downloads into <cache>/<owner>/<name>/<revision>, then runs offline from the cache; depth follows the model, at the image size', async () => {
    const hub = await fakeHub(model, files)
    try {
      const options: CpuModelOptions = { cacheDir, hubUrl: hub.url, offline: false }
      const first = await new DepthAnythingProvider(options, model).estimate(request())
      expect(hub.requests).toHaveLength(3)
      const dir = modelDir(cacheDir, model)
      expect(dir).toBe(
        path.join(cacheDir, 'kamui-tests', 'tiny-depth-anything-v2-small', model.revision),
      )
      expect(readFileSync(path.join(dir, 'onnx', 'model.onnx'))).toEqual(files['onnx/model.onnx'])
      const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'))
      expect(manifest).toMatchObject({ id: model.id, revision: model.revision })
      expect(manifest.files.map((f: { path: string }) => f.path)).toEqual(
        model.files.map((f) => f.path),
      )
      expect(first.downloadMs).not.toBeNull()

      // The pipeline resized predicted_depth back to the image; min–max mapped to 0–1 (1 = nearest).
      const { depth } = first
      expect([depth.width, depth.height]).toEqual([40, 20])
      const at = (x: number, y: number): number => depth.values[y * 40 + x] as number
      expect(at(5, 10)).toBeCloseTo(1, 1) // white: the mean of the normalised channels is highest
      expect(at(38, 2)).toBeCloseTo(0, 1) // black
      expect(at(30, 10)).toBeGreaterThan(0.3) // the grey square
      expect(at(30, 10)).toBeLessThan(0.7)
      expect(first.source).toMatchObject({
        label: 'cpu:depth-anything-v2-small',
        kind: 'cpu',
        preview: false,
        heuristic: false,
        model: {
          alias: 'depth-anything-v2-small',
          provider: 'cpu',
          model_id: model.id,
          revision: model.revision,
        },
      })
      expect(first.cpuModel).toMatchObject({ model_id: model.id, revision: model.revision })
      expect(first.cpuModel?.peak_rss_mib).toBeGreaterThan(0)

      // Offline with the filled cache: no request to the Hub.
      const offline = await new DepthAnythingProvider(
        { ...options, offline: true },
        model,
      ).estimate(request())
      expect(hub.requests).toHaveLength(3)
      expect(offline.downloadMs).toBeNull()
      expect(Array.from(offline.depth.values)).toEqual(Array.from(first.depth.values))
    } finally {
      await hub.close()
    }
  })

  it('empty cache and downloads off: PC_003 naming the model, the cache folder and how to fill it; nothing written', async () => {
    const provider = new DepthAnythingProvider(
      { cacheDir, hubUrl: 'http://127.0.0.1:9', offline: true },
      model,
    )
    await expect(provider.estimate(request())).rejects.toThrow(
      new RegExp(
        `^PC_003: depth-anything-v2-small \\(kamui-tests/tiny-depth-anything-v2-small@0123456\\) is not in the model cache ${cacheDir} .*HF_HUB_OFFLINE.*npm run check:models -- --model-cache-dir ${cacheDir}.*actions/cache`,
      ),
    )
    expect(readdirSync(cacheDir)).toEqual([])
  })

  it('empty cache and no network: fails fast with PC_003 and leaves no partial download', async () => {
    const hubUrl = await closedPortUrl()
    const provider = new DepthAnythingProvider({ cacheDir, hubUrl, offline: false }, model)
    const started = Date.now()
    await expect(provider.estimate(request())).rejects.toThrow(
      /^PC_003: .*could not be downloaded from http:\/\/127\.0\.0\.1:\d+: fetch failed \(ECONNREFUSED\)\. Nothing was left in the cache\./,
    )
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(readdirSync(cacheDir)).toEqual([])
  })

  it('a file that does not match its sha256 pin is refused and nothing is kept', async () => {
    const hub = await fakeHub(model, files, { corrupt: 'onnx/model.onnx' })
    try {
      const provider = new DepthAnythingProvider(
        { cacheDir, hubUrl: hub.url, offline: false },
        model,
      )
      await expect(provider.estimate(request())).rejects.toThrow(
        /^PC_003: .*onnx\/model\.onnx does not match its pin \(sha256 [0-9a-f]{64}/,
      )
      expect(readdirSync(cacheDir)).toEqual([])
      expect(existsSync(modelDir(cacheDir, model))).toBe(false)
    } finally {
      await hub.close()
    }
  })

  it('a damaged cached file is detected before use (sha256 against the pin)', async () => {
    const hub = await fakeHub(model, files)
    try {
      const options = { cacheDir, hubUrl: hub.url, offline: false }
      await new DepthAnythingProvider(options, model).estimate(request())
      const onnxFile = path.join(modelDir(cacheDir, model), 'onnx', 'model.onnx')
      const { writeFileSync } = await import('node:fs')
      writeFileSync(onnxFile, Buffer.from('not the model'))
      await expect(
        new DepthAnythingProvider({ ...options, offline: true }, model).estimate(request()),
      ).rejects.toThrow(/^PC_003: The cached onnx\/model\.onnx of .* is damaged/)
    } finally {
      await hub.close()
    }
  })
})

describe('depth-model auto: the CPU model, else the fallback', () => {
  it('falls back (with a warning saying why) only when the CPU model cannot be had', async () => {
    const { CpuDepthWithFallback } = await import('../../../src/providers/depth/cpu-fallback.js')
    const { LuminanceHeuristicProvider } =
      await import('../../../src/providers/depth/luminance-heuristic.js')
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-models-auto-'))
    try {
      const files = tinyDepthFiles()
      const model = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)
      const offline = new DepthAnythingProvider(
        { cacheDir, hubUrl: 'http://127.0.0.1:9', offline: true },
        model,
      )
      const logger = new MemoryLogger()
      const fellBack = await new CpuDepthWithFallback(
        offline,
        new LuminanceHeuristicProvider(),
      ).estimate(request(logger))
      expect(fellBack.source.label).toBe('luminance-heuristic')
      expect(
        logger.lines.some(
          (l) =>
            l.level === 'warn' &&
            /depth-anything-v2-small is not available, so depth comes from luminance-heuristic: .*HF_HUB_OFFLINE/.test(
              l.message,
            ),
        ),
      ).toBe(true)
      const hub = await fakeHub(model, files)
      try {
        const online = new DepthAnythingProvider(
          { cacheDir, hubUrl: hub.url, offline: false },
          model,
        )
        const used = await new CpuDepthWithFallback(
          online,
          new LuminanceHeuristicProvider(),
        ).estimate(request())
        expect(used.source.label).toBe('cpu:depth-anything-v2-small')
      } finally {
        await hub.close()
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  })
})

describe('a model cache filled by hand', () => {
  it('files copied into <cache>/<owner>/<name>/<revision> are checked against the pins, recorded and used offline', async () => {
    const { writeFiles } = await import('./tiny-models.js')
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-models-hand-'))
    try {
      const files = tinyDepthFiles()
      const model = tinyCatalogEntry(DEPTH_ANYTHING_V2_SMALL, files)
      writeFiles(modelDir(cacheDir, model), files)
      const estimate = await new DepthAnythingProvider(
        { cacheDir, hubUrl: 'http://127.0.0.1:9', offline: true },
        model,
      ).estimate(request())
      expect(estimate.source.label).toBe('cpu:depth-anything-v2-small')
      expect(existsSync(path.join(modelDir(cacheDir, model), MANIFEST_FILE))).toBe(true)
      // A copied file that does not match its pin is not adopted.
      const other = mkdtempSync(path.join(os.tmpdir(), 'kamui-models-hand-bad-'))
      try {
        writeFiles(modelDir(other, model), {
          ...files,
          'onnx/model.onnx': Buffer.from('not the model'),
        })
        await expect(
          new DepthAnythingProvider(
            { cacheDir: other, hubUrl: 'http://127.0.0.1:9', offline: true },
            model,
          ).estimate(request()),
        ).rejects.toThrow(/^PC_003: .* is not in the model cache .*HF_HUB_OFFLINE/)
        expect(existsSync(path.join(modelDir(other, model), MANIFEST_FILE))).toBe(false)
      } finally {
        rmSync(other, { recursive: true, force: true })
      }
    } finally {
      rmSync(cacheDir, { recursive: true, force: true })
    }
  })
})
