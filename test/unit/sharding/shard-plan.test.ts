import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import {
  parseShardInputs,
  parseShardSpec,
  shardFolderName,
  shardMatrix,
} from '../../../src/contracts/shard-manifest.js'
import { ModelRegistry } from '../../../src/models/registry.js'
import {
  assignShards,
  buildShardManifest,
  shardRunOf,
  shareLimit,
  type ShardPlanInput,
} from '../../../src/runner/shard-plan.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (error) {
    return error instanceof KamuiError ? error.code : 'not a KamuiError'
  }
  return undefined
}

function input(overrides: Partial<ShardPlanInput> = {}): ShardPlanInput {
  const models = ['imagen4-fast', 'imagen4-ultra']
  return {
    stage: 'image-generation-v2',
    folderName: 'out/run',
    shards: 3,
    baseSeed: 7,
    seedSource: 'input',
    request: 'a'.repeat(64),
    maxParallel: 1,
    preview: false,
    jobs: Array.from({ length: 9 }, (_, k) => ({
      number: k + 1,
      kind: 'image' as const,
      model: models[k % 2] as string,
      seed: 7 + k,
    })),
    registry: ModelRegistry.builtin(),
    ...overrides,
  }
}

describe('shard input', () => {
  it('parses k/N and refuses what is not 1 ≤ k ≤ N ≤ 256', () => {
    expect(parseShardSpec('2/3')).toEqual({ index: 2, count: 3 })
    expect(parseShardSpec(' 1 / 1 ')).toEqual({ index: 1, count: 1 })
    for (const bad of ['0/3', '4/3', '1/257', '3', 'a/b', '1/0', '-1/2'])
      expect(
        codeOf(() => parseShardSpec(bad)),
        bad,
      ).toBe('CFG_001')
  })
  it('refuses shard-manifest without shard', () => {
    expect(codeOf(() => parseShardInputs({ 'shard-manifest': 'm.json' }))).toBe('CFG_001')
    expect(parseShardInputs({ shard: '', 'shard-manifest': '' })).toEqual({
      shard: undefined,
      shardManifest: undefined,
    })
  })
  it('names shard folders and the matrix', () => {
    expect(shardFolderName('out/run/', { index: 2, count: 3 })).toBe('out/run-shard-2-of-3')
    expect(shardMatrix(2)).toEqual({ include: [{ shard: '1/2' }, { shard: '2/2' }] })
  })
})

describe('assignShards', () => {
  it('gives contiguous blocks that differ by at most one', () => {
    expect(assignShards(9, 3)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3])
    expect(assignShards(5, 3)).toEqual([1, 1, 2, 2, 3])
    expect(assignShards(4, 4)).toEqual([1, 2, 3, 4])
    expect(assignShards(10, 1)).toEqual(Array(10).fill(1))
  })
  it('refuses more shards than jobs', () => {
    expect(codeOf(() => assignShards(2, 3))).toBe('CFG_001')
  })
})

describe('shareLimit', () => {
  it('divides each limit by the shards using the model, never below 1', () => {
    expect(shareLimit({ rpm: 10, concurrency: 3 }, 3)).toEqual({ rpm: 3, concurrency: 1 })
    expect(shareLimit({ rpm: 20, concurrency: 5 }, 2)).toEqual({ rpm: 10, concurrency: 2 })
    expect(shareLimit({ rpm: 2, concurrency: 1 }, 5)).toEqual({ rpm: 1, concurrency: 1 })
    expect(shareLimit({}, 3)).toEqual({})
    expect(shareLimit({ concurrency: 8 }, 1)).toEqual({ concurrency: 8 })
  })
})

describe('buildShardManifest', () => {
  it('lists every job with its shard, the per-shard limits, the cost and the matrix', () => {
    const manifest = buildShardManifest(input())
    expect(manifest.jobs.map((j) => j.shard)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3])
    expect(manifest.shard_list.map((s) => [s.folder, s.jobs])).toEqual([
      ['out/run-shard-1-of-3', [1, 2, 3]],
      ['out/run-shard-2-of-3', [4, 5, 6]],
      ['out/run-shard-3-of-3', [7, 8, 9]],
    ])
    expect(manifest.models).toEqual([
      {
        model: 'imagen4-fast',
        account: { rpm: 20, concurrency: 5 },
        shards_using: 3,
        per_shard: { rpm: 6, concurrency: 1 },
      },
      {
        model: 'imagen4-ultra',
        account: { rpm: 10, concurrency: 3 },
        shards_using: 3,
        per_shard: { rpm: 3, concurrency: 1 },
      },
    ])
    // Built-in prices: imagen4-fast 0.02, imagen4-ultra 0.06 per image.
    expect(manifest.estimated_cost.total_usd).toBeCloseTo(5 * 0.02 + 4 * 0.06, 6)
    expect(manifest.matrix.include).toHaveLength(3)
  })
  it('is deterministic', () => {
    expect(JSON.stringify(buildShardManifest(input()))).toBe(
      JSON.stringify(buildShardManifest(input())),
    )
  })
  it('gives a model without a price a null total, never 0', () => {
    const manifest = buildShardManifest(
      input({
        jobs: [
          { number: 1, kind: 'image', model: 'imagen3', seed: 1 },
          { number: 2, kind: 'image', model: 'imagen4-fast', seed: 2 },
        ],
        shards: 2,
      }),
    )
    expect(manifest.estimated_cost.total_usd).toBeNull()
    expect(manifest.estimated_cost.unknown_price_models).toEqual(['imagen3'])
    expect(manifest.shard_list.map((s) => s.estimated_cost_usd)).toEqual([null, 0.02])
  })
  it('prices preview runs at 0', () => {
    expect(buildShardManifest(input({ preview: true })).estimated_cost.total_usd).toBe(0)
  })
  it('divides only among the shards that use a model', () => {
    const jobs = [
      { number: 1, kind: 'image' as const, model: 'imagen4-ultra', seed: 1 },
      { number: 2, kind: 'image' as const, model: 'imagen4-ultra', seed: 2 },
      { number: 3, kind: 'image' as const, model: 'imagen4-fast', seed: 3 },
      { number: 4, kind: 'image' as const, model: 'imagen4-fast', seed: 4 },
    ]
    const manifest = buildShardManifest(input({ jobs, shards: 2 }))
    expect(manifest.shard_list.map((s) => s.rate_limits)).toEqual([
      { 'imagen4-ultra': { rpm: 10, concurrency: 3 } },
      { 'imagen4-fast': { rpm: 20, concurrency: 5 } },
    ])
  })
})

describe('shardRunOf', () => {
  it('gives a shard its jobs and limits, the same with or without the manifest', () => {
    const manifest = buildShardManifest(input())
    const withManifest = shardRunOf(input(), { index: 2, count: 3 }, manifest)
    const without = shardRunOf(input(), { index: 2, count: 3 }, undefined)
    expect([...withManifest.numbers]).toEqual([4, 5, 6])
    expect(withManifest.rateLimits).toEqual(without.rateLimits)
    expect(withManifest.record.manifest).toBe(true)
    expect(without.record.manifest).toBe(false)
  })
  it('refuses a run that differs from its manifest (SHARD_001)', () => {
    const manifest = buildShardManifest(input())
    const spec = { index: 1, count: 3 }
    expect(codeOf(() => shardRunOf(input({ request: 'b'.repeat(64) }), spec, manifest))).toBe(
      'SHARD_001',
    )
    const otherSeeds = input().jobs.map((j) => ({ ...j, seed: (j.seed ?? 0) + 1 }))
    expect(codeOf(() => shardRunOf(input({ jobs: otherSeeds }), spec, manifest))).toBe('SHARD_001')
    expect(codeOf(() => shardRunOf(input({ shards: 2 }), { index: 1, count: 2 }, manifest))).toBe(
      'SHARD_001',
    )
  })
})
