import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { collectRunStats, modelOf, percentile } from '../../../src/output/ledger/stats.js'
import { formatRunStats } from '../../../src/output/ledger/format.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

const key = (n: number): string => n.toString(16).padStart(64, '0')
const at = '2026-11-01T10:00:00.000Z'
const handle = (provider: 'mcp' | 'comfyui', server: string) => ({
  provider,
  server,
  tools: [],
  id: 'x',
  workflow: null,
})

/** Lines of one job: planned, submitted, completed or failed, cost. */
function job(
  n: number,
  label: string,
  where: { provider: 'mcp' | 'comfyui'; server: string },
  end: { ms: number; usd: number | null } | { code: string },
  resumed = false,
): object[] {
  const k = key(n)
  const lines: object[] = []
  lines.push({
    v: 1,
    at,
    key: k,
    event: 'planned',
    label,
    provider: where.provider,
    tools: [],
    workflow: null,
  })
  lines.push({
    v: 1,
    at,
    key: k,
    event: 'submitted',
    handle: handle(where.provider, where.server),
    resumed,
  })
  if ('code' in end)
    lines.push({ v: 1, at, key: k, event: 'failed', code: end.code, message: 'no', billed: null })
  else {
    lines.push({
      v: 1,
      at,
      key: k,
      event: 'completed',
      handle: handle(where.provider, where.server),
      urls: [],
      media_sha256: [],
      generation_ms: end.ms,
      download_ms: null,
    })
    lines.push({ v: 1, at, key: k, event: 'cost', usd: end.usd })
  }
  return lines
}

const run = { v: 1, at, event: 'run', stage: 'image-generation', request: key(999), seed: 1 }
const comfy = { provider: 'comfyui' as const, server: 'http://127.0.0.1:8188' }
const hosted = { provider: 'mcp' as const, server: 'kamui' }
const preview = { provider: 'mcp' as const, server: 'kamui-preview' }

async function journal(folder: string, lines: object[], tail = ''): Promise<void> {
  await mkdir(path.join(folder, 'metadata'), { recursive: true })
  await writeFile(
    path.join(folder, 'metadata/journal.jsonl'),
    lines.map((l) => `${JSON.stringify(l)}\n`).join('') + tail,
  )
}

describe('collectRunStats', () => {
  let root: string
  beforeEach(async () => {
    root = await tempWorkspace('kamui-stats-')
  })
  afterEach(async () => {
    await removeDir(root)
  })

  it('sums generations, failures, times, placement and costs, keeping unknown prices null', async () => {
    await journal(path.join(root, 'a'), [
      run,
      ...job(1, 'sdxl-local', comfy, { ms: 1000, usd: null }),
      ...job(2, 'sdxl-local', comfy, { ms: 3000, usd: null }),
      ...job(3, 'imagen4-fast', hosted, { ms: 2000, usd: 0.02 }),
      ...job(4, 'imagen4-fast', hosted, { code: 'IMG_003' }),
    ])
    await journal(path.join(root, 'nested/b'), [
      run,
      ...job(1, 'imagen4-fast', hosted, { ms: 4000, usd: 0.02 }),
      ...job(2, 'segment 1 (preview-video)', preview, { ms: 500, usd: 0 }),
      ...job(3, 'imagen4-fast', hosted, { ms: 9000, usd: 0.02 }, true),
      ...job(4, 'imagen4-fast', hosted, { code: 'IMG_006' }),
      ...job(5, 'imagen4-fast', hosted, { code: 'IMG_003' }),
      { v: 1, at, key: key(6), event: 'reused', source: 'cache' },
      { v: 1, at, key: key(1), event: 'reused', source: 'journal' },
      // A cache hit of the job made as key 3 in folder a (2000 ms, $0.02 there).
      { v: 1, at, key: key(3), event: 'reused', source: 'cache' },
    ])
    const stats = await collectRunStats(root)
    expect(stats.journals).toEqual(['a/metadata/journal.jsonl', 'nested/b/metadata/journal.jsonl'])
    expect(stats.runs).toBe(2)
    expect(stats.jobs).toBe(4 + 6)
    expect(stats.generations).toEqual({ total: 9, completed: 6, failed: 3, successRate: 0.6667 })
    expect(stats.failuresByCode).toEqual({ IMG_003: 2, IMG_006: 1 })
    expect(stats.placement).toEqual({ local: 2, hosted: 3, preview: 1, localShare: 0.4 })
    const [imagen, preview_, sdxl] = stats.models
    expect(imagen).toMatchObject({
      model: 'imagen4-fast',
      placement: 'hosted',
      completed: 3,
      failed: 3,
      successRate: 0.5,
      // the resumed job's 9000 ms are not a generation time
      timedJobs: 2,
      meanMs: 3000,
      p95Ms: 4000,
      cost: { usd: 0.06, knownUsd: 0.06, pricedJobs: 3, unknownJobs: 0 },
    })
    expect(preview_).toMatchObject({ model: 'preview-video', placement: 'preview', meanMs: 500 })
    expect(sdxl).toMatchObject({
      model: 'sdxl-local',
      placement: 'local',
      meanMs: 2000,
      p95Ms: 3000,
      cost: { usd: null, knownUsd: 0, pricedJobs: 0, unknownJobs: 2 },
    })
    expect(stats.cost).toEqual({ usd: null, knownUsd: 0.06, pricedJobs: 4, unknownJobs: 2 })
    expect(stats.savings).toEqual({
      resumedJobs: 1,
      resumedCost: { usd: 0.02, knownUsd: 0.02, pricedJobs: 1, unknownJobs: 0 },
      reusedJobs: 3,
      cacheHits: 2,
      // key 6 has no cost line in any journal (unknown); keys 1 and 3 cost $0.02 where made
      reusedCost: { usd: null, knownUsd: 0.04, pricedJobs: 2, unknownJobs: 1 },
      // key 1 was made in 4000 ms (folder b), key 3 in 2000 ms (folder a); key 6 nowhere
      savedMs: 6000,
    })
    const text = formatRunStats(stats).join('\n')
    expect(text).toContain('cost: unknown ($0.06 known + 2 jobs of unknown price)')
    expect(text).not.toMatch(/sdxl-local.*\$0\.00/)
  })

  it('reads a journal cut short up to its last whole line and says so', async () => {
    await journal(
      path.join(root, 'a'),
      [run, ...job(1, 'm', hosted, { ms: 10, usd: 0.5 })],
      '{"v":1,"at"',
    )
    const stats = await collectRunStats(root)
    expect(stats.generations.completed).toBe(1)
    expect(stats.warnings).toEqual([
      'a/metadata/journal.jsonl: the last line was cut short; ignored.',
    ])
  })

  it('does not follow symbolic links out of the folder', async () => {
    const outside = await tempWorkspace('kamui-stats-outside-')
    try {
      await journal(path.join(outside, 'x'), [run, ...job(1, 'm', hosted, { ms: 10, usd: 1 })])
      await symlink(outside, path.join(root, 'link'))
      const stats = await collectRunStats(root)
      expect(stats.journals).toEqual([])
      expect(stats.generations.total).toBe(0)
      expect(stats.generations.successRate).toBeNull()
      expect(stats.cost).toEqual({ usd: 0, knownUsd: 0, pricedJobs: 0, unknownJobs: 0 })
    } finally {
      await removeDir(outside)
    }
  })

  it('rejects a root that is not a folder', async () => {
    await expect(collectRunStats(path.join(root, 'missing'))).rejects.toMatchObject({
      code: 'ENOENT',
    })
  })
})

describe('percentile and modelOf', () => {
  it('takes the nearest rank', () => {
    expect(percentile([], 0.95)).toBeNull()
    expect(percentile([7], 0.95)).toBe(7)
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4)
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(95)
  })
  it('names the model of a label', () => {
    expect(modelOf('segment 2 (svd-image-to-video)')).toBe('svd-image-to-video')
    expect(modelOf('preview:imagen4-fast')).toBe('preview:imagen4-fast')
  })
})
