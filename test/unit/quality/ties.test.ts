import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { assessImage } from '../../../src/quality/assess.js'
import { QUALITY_SCORE_RESOLUTION, rankWithin } from '../../../src/quality/ties.js'
import {
  modelComparisonMarkdown,
  rankQuality,
} from '../../../src/stages/image-generation/model-comparison.js'
import { modelComparison } from '../../../src/stages/image-generation/report.js'
import { preview, PREVIEW_PROMPTS } from './calibration-images.js'

/** Issue 16: scores that do not lie by precision. */

describe('rankWithin', () => {
  const byValue = (v: number | null): number | null => v
  it('names a winner only when it leads by at least the resolution', () => {
    expect(rankWithin([0.9, 0.6], byValue, 0.05, true)).toEqual({
      kind: 'winner',
      winner: 0.9,
      value: 0.9,
    })
    expect(rankWithin([1, 0.95], byValue, 0.05, true)).toMatchObject({ kind: 'winner', winner: 1 })
    expect(rankWithin([1, 0.96, 0.5], byValue, 0.05, true)).toEqual({
      kind: 'tie',
      tied: [1, 0.96],
      values: [1, 0.96],
    })
    expect(rankWithin([0.2, 0.21], byValue, 0.05, false)).toMatchObject({ kind: 'tie' })
    expect(rankWithin([0.2, 0.4], byValue, 0.05, false)).toMatchObject({ winner: 0.2 })
    expect(rankWithin([null, null], byValue, 0.05, true)).toEqual({ kind: 'none' })
  })
})

describe('the model comparison on ties', () => {
  it('names no best model when preview renders all score 1.00, and says they tie', async () => {
    // Two "models" of preview renders: their pixel scores saturate at 1 (CALIBRATION.md).
    const samples = []
    for (const [i, model] of [
      'preview:imagen4-fast',
      'preview:flux-schnell',
      'preview:imagen4-fast',
      'preview:flux-schnell',
    ].entries()) {
      const quality = await assessImage(preview(i % PREVIEW_PROMPTS.length, 256, 256), {
        prompt: 'x',
        requested: { width: 256, height: 256 },
      })
      samples.push({ model, ok: true, generationMs: 100 + i, score: quality.overall })
    }
    expect(samples.map((s) => s.score)).toEqual([1, 1, 1, 1])
    const comparison = modelComparison(samples)
    expect(comparison.best_quality_model).toBeNull()
    expect(comparison.most_consistent_model).toBeNull()
    expect(comparison.fastest_model).toBe('preview:imagen4-fast')
    expect(comparison.notes).toContain(
      `best_quality_model is null: preview:imagen4-fast, preview:flux-schnell tie on mean quality (1.000, 1.000) within the score's resolution of ${QUALITY_SCORE_RESOLUTION}; none is named.`,
    )
    const markdown = modelComparisonMarkdown({
      preview: true,
      request: { prompt: 'x', strategy: 'parallel', max_parallel: 2 },
      generation_summary: { successful_generations: 4, total_images: 4, total_time_ms: 1000 },
      images: [],
      model_comparison: comparison,
      notices: [],
    } as unknown as Parameters<typeof modelComparisonMarkdown>[0])
    expect(markdown).toContain("- Best quality: tie within the score's resolution (no best model)")
    expect(markdown).not.toMatch(/- Best quality: preview/)
  })

  it('still names a model that leads by more than the resolution', () => {
    const ranking = rankQuality([
      {
        model: 'a',
        images: 2,
        succeeded: 2,
        failed: 0,
        mean_generation_ms: 1,
        mean_quality: 0.93,
        quality_stdev: 0.01,
      },
      {
        model: 'b',
        images: 2,
        succeeded: 2,
        failed: 0,
        mean_generation_ms: 1,
        mean_quality: 0.55,
        quality_stdev: 0.2,
      },
    ])
    expect(ranking).toEqual({ best: 'a', consistent: 'a', notes: [] })
  })
})

describe('CALIBRATION.md on saturated scores', () => {
  it('says why normal images score 1.00 and what the resolution is, as the code has it', async () => {
    const doc = await readFile(
      new URL('../../../src/quality/CALIBRATION.md', import.meta.url),
      'utf8',
    )
    expect(doc).toContain('## Why normal images score 1.00')
    expect(doc).toContain(`resolution of ${QUALITY_SCORE_RESOLUTION}`)
  })

  it('keeps the raw metric values of saturated renders apart (the analysis still tells them apart)', async () => {
    const values = []
    for (let i = 0; i < PREVIEW_PROMPTS.length; i++) {
      const quality = await assessImage(preview(i, 256, 256), {
        prompt: 'x',
        requested: { width: 256, height: 256 },
      })
      expect(quality.overall).toBe(1)
      values.push(
        ['sharpness', 'exposure', 'contrast', 'entropy'].map(
          (m) => quality.technical.metrics[m as 'sharpness'].value,
        ),
      )
    }
    // Every render differs from every other in its measured values, while all score 1.
    for (let a = 0; a < values.length; a++)
      for (let b = a + 1; b < values.length; b++) expect(values[a]).not.toEqual(values[b])
  })
})
