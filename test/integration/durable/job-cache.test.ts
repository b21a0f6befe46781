import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import {
  JobCache,
  lookupCachedJob,
  readCacheEntry,
  resolveCacheFolder,
} from '../../../src/runner/job-cache.js'
import { sha256 } from '../../../src/runner/journal-key.js'

const KEY = sha256('a job')

describe('job cache (issue 11 §4)', () => {
  it('stores a result under its job key and reads it back with the bytes verified', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'job-cache-'))
    let now = Date.parse('2026-12-01T00:00:00Z')
    const cache = new JobCache(folder, 3_600_000, new MemoryLogger(), () => now)
    expect(await cache.get(KEY)).toBeUndefined()
    const png = new Uint8Array([137, 80, 78, 71, 1, 2, 3])
    await cache.put(KEY, {
      label: 'imagen4-fast',
      media: [{ bytes: png, mimeType: 'image/png' }],
      text: 'done',
      structured: { ok: true },
      generationMs: 4200,
    })
    const dir = path.join(folder, 'jobs', KEY.slice(0, 2))
    expect((await readdir(dir)).sort()).toEqual([`${KEY}.0.png`, `${KEY}.json`])
    const hit = await cache.get(KEY)
    expect(hit?.media[0]?.bytes).toEqual(png)
    expect(hit).toMatchObject({ label: 'imagen4-fast', text: 'done', structured: { ok: true } })
    expect(cache.counts).toEqual({ hits: 1, misses: 1, expired: 0, stored: 1, savedMs: 4200 })
    // The lookup of the dry run sees the same entry, without counting.
    expect((await lookupCachedJob(folder, KEY))?.generationMs).toBe(4200)
    expect(await lookupCachedJob(null, KEY)).toBeUndefined()
    expect(await lookupCachedJob(folder, KEY, { ttlMs: 0 })).toBeUndefined()
    now += 3_600_001
    expect(await cache.get(KEY)).toBeUndefined()
    expect(cache.counts.expired).toBe(1)
    expect(await lookupCachedJob(folder, KEY, { ttlMs: 3_600_000, now: () => now })).toBeUndefined()
  })

  it('treats a file whose bytes no longer match the sha256 as a miss', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'job-cache-'))
    const cache = new JobCache(folder, 60_000, new MemoryLogger())
    await cache.put(KEY, {
      label: 'm',
      media: [{ bytes: new Uint8Array([1, 2, 3]), mimeType: 'video/mp4' }],
      text: '',
      structured: undefined,
      generationMs: 1,
    })
    const file = path.join(folder, 'jobs', KEY.slice(0, 2), `${KEY}.0.mp4`)
    expect(await readFile(file)).toEqual(Buffer.from([1, 2, 3]))
    await writeFile(file, Buffer.from([1, 2, 4]))
    expect(await readCacheEntry(folder, KEY)).toEqual({ status: 'miss' })
    expect(await cache.get(KEY)).toBeUndefined()
    expect(await readCacheEntry(folder, '../../etc')).toEqual({ status: 'miss' })
  })

  it('is off with a null folder or a TTL of 0, and the default folder follows the runner tool cache', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'job-cache-'))
    const off = new JobCache(folder, 0, new MemoryLogger())
    await off.put(KEY, { label: 'm', media: [], text: 't', structured: null, generationMs: 1 })
    expect(await readdir(folder)).toEqual([])
    expect(new JobCache(null, 1000, new MemoryLogger()).enabled).toBe(false)
    expect(resolveCacheFolder('', '/ws', { RUNNER_TOOL_CACHE: '/opt/hostedtoolcache' })).toBe(
      path.join('/opt/hostedtoolcache', 'kamui-media-actions', 'jobs'),
    )
    expect(resolveCacheFolder('', '/ws', {})).toBeNull()
    expect(
      resolveCacheFolder('', '/ws', {
        KAMUI_CACHE_FOLDER: '/home/u/.cache/kamui',
        RUNNER_TOOL_CACHE: '/t',
      }),
    ).toBe('/home/u/.cache/kamui')
    expect(resolveCacheFolder('c', '/ws', { RUNNER_TOOL_CACHE: '/t' })).toBe(path.join('/ws', 'c'))
  })
})
