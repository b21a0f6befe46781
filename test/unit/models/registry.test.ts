import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadRegistryFile, ModelRegistry } from '../../../src/models/registry.js'

describe('ModelRegistry', () => {
  const registry = ModelRegistry.builtin()

  it('has the built-in aliases of SPEC §3 with their tools and limits', () => {
    expect(registry.aliases('image')).toEqual(
      expect.arrayContaining([
        'imagen4-ultra',
        'imagen4-fast',
        'imagen3',
        'flux-schnell',
        'photo-flux',
        'sdxl-local',
        'preview',
      ]),
    )
    expect(registry.get('imagen4-fast').call).toEqual({
      type: 'async',
      submit: 'imagen4_fast_submit',
      status: 'imagen4_fast_status',
      result: 'imagen4_fast_result',
    })
    expect(registry.get('photo-flux').call).toMatchObject({
      submit: 'rundiffusion_photo_flux_submit',
    })
    expect(registry.get('imagen4-ultra').rateLimit).toEqual({ rpm: 10, concurrency: 3 })
    expect(registry.get('flux-schnell').rateLimit).toEqual({ rpm: 30, concurrency: 8 })
    expect(registry.get('hailuo-02-pro', 'video').call).toMatchObject({
      submit: 'hailuo_02_submit',
    })
  })

  it('rejects an unknown alias with IMG_002 listing the known ones', () => {
    expect(() => registry.get('dall-e')).toThrow(
      /IMG_002: Unknown image model "dall-e"\. Known image models: .*flux-schnell.*imagen4-fast/,
    )
  })

  it('loads YAML and JSON override files that add and replace entries', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'registry-'))
    const yamlFile = path.join(dir, 'r.yaml')
    await writeFile(
      yamlFile,
      'models:\n  tiny:\n    provider: mcp\n    call: { type: sync, tool: get-tiny-image }\n',
    )
    const jsonFile = path.join(dir, 'r.json')
    await writeFile(
      jsonFile,
      JSON.stringify({
        models: {
          'imagen4-fast': {
            provider: 'mcp',
            call: { type: 'sync', tool: 'fast' },
            rateLimit: { rpm: 2 },
          },
        },
      }),
    )
    const merged = registry
      .with(await loadRegistryFile(yamlFile))
      .with(await loadRegistryFile(jsonFile))
    expect(merged.get('tiny').call).toEqual({ type: 'sync', tool: 'get-tiny-image' })
    expect(merged.get('imagen4-fast').rateLimit).toEqual({ rpm: 2 })
  })

  it('names the file and field of an invalid entry (CFG_003)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'registry-'))
    const file = path.join(dir, 'bad.yaml')
    await writeFile(file, 'models:\n  x:\n    provider: carrier-pigeon\n')
    await expect(loadRegistryFile(file)).rejects.toThrow(
      /CFG_003: .*bad\.yaml is invalid: models\.x\.provider/,
    )
    await writeFile(file, 'models:\n  x:\n    provider: mcp\n')
    await expect(loadRegistryFile(file)).rejects.toThrow(/CFG_003: Model "x" .* has no "call"/)
  })
})
