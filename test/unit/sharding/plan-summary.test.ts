import { describe, expect, it } from 'vitest'
import { ModelRegistry } from '../../../src/models/registry.js'
import { buildShardManifest } from '../../../src/runner/shard-plan.js'
import { planSummaryMarkdown } from '../../../src/stages/sharding/plan.js'

describe('planSummaryMarkdown', () => {
  it('has one row per shard with its jobs, folder, limits and cost', () => {
    const manifest = buildShardManifest({
      stage: 'image-generation-v2',
      folderName: 'out/run',
      shards: 2,
      baseSeed: 7,
      seedSource: 'drawn',
      request: 'c'.repeat(64),
      maxParallel: 3,
      preview: false,
      jobs: [1, 2, 3].map((n) => ({
        number: n,
        kind: 'image' as const,
        model: 'imagen4-ultra',
        seed: 6 + n,
      })),
      registry: ModelRegistry.builtin(),
    })
    const text = planSummaryMarkdown({ manifest, file: '/ws/out/run-shard-manifest.json' })
    expect(text).toContain('3 job(s), base seed 7 (drawn), estimated cost $0.18.')
    expect(text).toContain(
      '| 1/2 | 1, 2 | out/run-shard-1-of-2 | imagen4-ultra: 1 at once, 5 rpm | $0.12 |',
    )
    expect(text).toContain(
      '| 2/2 | 3 | out/run-shard-2-of-2 | imagen4-ultra: 1 at once, 5 rpm | $0.06 |',
    )
  })
})
