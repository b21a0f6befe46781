import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { cacheKey, canonicalJson, KeyframeCache } from '../../../src/stages/keyframes/cache.js'
import {
  cachedCost,
  combinedCost,
  noChargeCost,
  registryCost,
  totalCosts,
} from '../../../src/stages/keyframes/costs.js'

describe('KeyframeCache', () => {
  it('keys by the canonical JSON of the inputs', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}')
    expect(cacheKey({ a: 1, b: 2 })).toBe(cacheKey({ b: 2, a: 1 }))
    expect(cacheKey({ a: 1 })).not.toBe(cacheKey({ a: 2 }))
  })

  it('hits within the TTL, misses after it, and counts both', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'kf-cache-'))
    let now = Date.parse('2025-01-01T00:00:00Z')
    const cache = new KeyframeCache(folder, 60_000, new MemoryLogger(), () => now)
    const key = cacheKey({ x: 1 })
    expect(await cache.get('enhancement', key)).toBeUndefined()
    await cache.put('enhancement', key, { composition: 'c' })
    expect(await cache.get('enhancement', key)).toEqual({ composition: 'c' })
    await cache.putImage('render', key, Buffer.from('png bytes'), { url: null })
    expect(await cache.getImage('render', key)).toEqual({
      png: Buffer.from('png bytes'),
      value: { url: null },
    })
    now += 61_000
    expect(await cache.get('enhancement', key)).toBeUndefined()
    expect(cache.stats().enhancement).toEqual({ hits: 1, misses: 2, expired: 1, bypassed: 0 })
    expect(cache.stats().render).toMatchObject({ hits: 1, misses: 0 })
  })

  it('treats a PNG that no longer matches its hash as a miss', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'kf-cache-'))
    const cache = new KeyframeCache(folder, 60_000, new MemoryLogger())
    const key = cacheKey({ y: 1 })
    await cache.putImage('render', key, Buffer.from('good'), {})
    const dir = path.join(folder, 'render', key.slice(0, 2))
    const png = (await readdir(dir)).find((f) => f.endsWith('.png')) as string
    await writeFile(path.join(dir, png), 'tampered')
    expect(await cache.getImage('render', key)).toBeUndefined()
  })

  it('does nothing when off', async () => {
    const cache = new KeyframeCache(null, 60_000, new MemoryLogger())
    expect(cache.enabled).toBe(false)
    await cache.put('story', 'k', 1)
    expect(await cache.get('story', 'k')).toBeUndefined()
  })
})

describe('costs', () => {
  it('uses priceUsd from the registry and reports a missing price as unknown, never guessed', () => {
    expect(registryCost('keyframe-generation', { alias: 'm', priceUsd: 0.03 })).toMatchObject({
      usd: 0.03,
    })
    const unknown = registryCost('nanobanana-enhancement', { alias: 'nano-banana' })
    expect(unknown).toMatchObject({
      usd: null,
      basis: expect.stringMatching(/price unknown.*nano-banana.*priceUsd/),
    })
    const totals = totalCosts([
      noChargeCost('story-generation', 'local LLM'),
      unknown,
      registryCost('keyframe-generation', { alias: 'm', priceUsd: 0.03 }),
      registryCost('keyframe-generation', { alias: 'm', priceUsd: 0.03 }),
      cachedCost('keyframe-generation'),
    ])
    expect(totals.byType['keyframe-generation']).toEqual({
      calls: 2,
      cached: 1,
      usd: 0.06,
      unknownPriceCalls: 0,
    })
    expect(totals.byType['nanobanana-enhancement']).toEqual({
      calls: 1,
      cached: 0,
      usd: 0,
      unknownPriceCalls: 1,
    })
    expect(totals).toMatchObject({ totalUsd: 0.06, unknownPriceCalls: 1, complete: false })
    expect(combinedCost([unknown, cachedCost('keyframe-generation')])?.usd).toBeNull()
    expect(combinedCost([])).toBeNull()
  })
})
