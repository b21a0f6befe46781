import { describe, expect, it } from 'vitest'
import { modelComparisonMarkdown } from '../../../src/stages/image-generation/model-comparison.js'
import { modelComparison } from '../../../src/stages/image-generation/report.js'

type Report = Parameters<typeof modelComparisonMarkdown>[0]

const report = (shards?: Report['shards']): Report =>
  ({
    preview: false,
    request: { prompt: 'x', strategy: 'parallel', max_parallel: 1 },
    generation_summary: { successful_generations: 3, total_images: 3, total_time_ms: 9000 },
    images: [],
    model_comparison: modelComparison([]),
    notices: [],
    ...(shards ? { shards } : {}),
  }) as unknown as Report

describe('model comparison of a merged run (issue 13)', () => {
  it('lists each shard with its images and own time; an unsharded run has no such section', () => {
    const merged = modelComparisonMarkdown(
      report([
        {
          shard: 1,
          label: '1/2',
          folder: 'out/run-shard-1-of-2',
          images: [1, 2],
          successful_generations: 2,
          failed_generations: 0,
          total_time_ms: 8200,
          complete: true,
        },
        {
          shard: 2,
          label: '2/2',
          folder: 'out/run-shard-2-of-2',
          images: [3],
          successful_generations: 1,
          failed_generations: 0,
          total_time_ms: 9000,
          complete: false,
        },
      ]),
    )
    expect(merged).toContain('## Shards')
    expect(merged).toContain('| 1/2 | 1, 2 | 2 | 0 | 8.2 s | yes |')
    expect(merged).toContain('| 2/2 | 3 | 1 | 0 | 9.0 s | no |')
    expect(modelComparisonMarkdown(report())).not.toContain('## Shards')
  })
})
