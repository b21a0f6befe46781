import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { pixelCapFor, toPng } from '../../../src/media/to-png.js'
import { loadRegistryFile } from '../../../src/models/registry.js'
import { parseModels, parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { writeBombPng } from '../../fixtures/servers/hostile-bomb.js'
import { runNode, TSX_LOADER_URL, REPO_ROOT } from '../../helpers/run-kamui.js'
import { removeDir } from '../../helpers/workspace.js'

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

describe('image count and models', () => {
  it('refuses a 12-entry models list with IMG_001 (N = max(count, M) stays at most 10)', () => {
    const models = Array.from({ length: 12 }, (_, i) => `m${i}`).join(',')
    const error = thrown(() => parseV2Inputs({ 'image-prompt': 'x', 'folder-name': 'out', models }))
    expect(isKamuiError(error, 'IMG_001')).toBe(true)
    expect(parseModels(Array.from({ length: 10 }, (_, i) => `m${i}`).join(','))).toHaveLength(10)
  })

  it('refuses a models list without names ("",,"") instead of meaning auto', () => {
    expect(
      isKamuiError(
        thrown(() => parseModels(',,')),
        'CFG_001',
      ),
    ).toBe(true)
    expect(
      isKamuiError(
        thrown(() => parseModels(' , ')),
        'CFG_001',
      ),
    ).toBe(true)
    expect(parseModels('')).toBe('auto')
    expect(parseModels('auto')).toBe('auto')
  })
})

describe('registry poll interval', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-registry-'))
  })
  afterAll(async () => {
    await removeDir(dir)
  })

  it('refuses a poll interval under 100 ms with CFG_003', async () => {
    const entry = (ms: number): string =>
      JSON.stringify({
        models: {
          fast: {
            provider: 'mcp',
            call: { type: 'async', submit: 'a_submit', status: 'a_status', result: 'a_result' },
            pollIntervalMs: ms,
          },
        },
      })
    await writeFile(path.join(dir, 'bad.json'), entry(1))
    const error = await loadRegistryFile(path.join(dir, 'bad.json')).catch((e: unknown) => e)
    expect(isKamuiError(error, 'CFG_003')).toBe(true)
    expect(String(error)).toMatch(/pollIntervalMs must be at least 100 ms/)
    await writeFile(path.join(dir, 'ok.json'), entry(100))
    expect(await loadRegistryFile(path.join(dir, 'ok.json'))).toHaveLength(1)
  })
})

describe('pixel limits from the header', () => {
  let dir: string
  let bomb: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-bomb-'))
    bomb = path.join(dir, 'bomb.png')
    await writeBombPng(bomb, 16000, 16000)
  }, 60_000)
  afterAll(async () => {
    await removeDir(dir)
  })

  it('ties the cap to the request: 4× the requested pixels, 8 MiP at least, 40 MP at most', () => {
    expect(pixelCapFor(2048, 2048)).toBe(4 * 2048 * 2048)
    expect(pixelCapFor(128, 128)).toBe(8 * 1024 * 1024)
    expect(pixelCapFor(8000, 8000)).toBe(40_000_000)
    expect(pixelCapFor(undefined, undefined)).toBe(40_000_000)
  })

  it('refuses a 16000×16000 PNG from its header in under a second, under 300 MB peak', async () => {
    const bytes = await readFile(bomb)
    expect(bytes.length).toBeLessThan(1_000_000)
    // Measured in a child process: its peak resident memory is its own.
    const script = `
      import { readFileSync } from 'node:fs'
      import { toPng } from ${JSON.stringify(path.join(REPO_ROOT, 'src/media/to-png.ts'))}
      const bytes = readFileSync(${JSON.stringify(bomb)})
      const started = performance.now()
      let code = 'none'
      try { await toPng(bytes, { maxPixels: 8 * 1024 * 1024 }) } catch (error) { code = String(error.message) }
      const ms = performance.now() - started
      process.stdout.write(JSON.stringify({ code, ms, maxRss: process.resourceUsage().maxRSS * 1024 }))
    `
    const run = await runNode(['--import', TSX_LOADER_URL, '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      timeoutMs: 60_000,
    })
    expect(run.code, run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as { code: string; ms: number; maxRss: number }
    expect(result.code).toMatch(/^GEN_002: the model returned a 16000×16000 image, above the limit/)
    expect(result.ms).toBeLessThan(1000)
    expect(result.maxRss).toBeLessThan(300 * 1024 * 1024)
  }, 90_000)

  it('refuses it with the default (absolute) cap too', async () => {
    const error = await toPng(await readFile(bomb)).catch((e: unknown) => e)
    expect(isKamuiError(error, 'GEN_002')).toBe(true)
    expect(String(error)).toMatch(/above the limit of 40000000 pixels/)
  })
})
