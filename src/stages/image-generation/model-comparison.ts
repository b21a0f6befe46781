import { markdownCell } from '../../core/markdown.js'
import {
  QUALITY_SCORE_RESOLUTION,
  QUALITY_STDEV_RESOLUTION,
  rankWithin,
} from '../../quality/ties.js'
import type { GenerationReport } from './report.js'

type ModelStats = GenerationReport['model_comparison']['models'][number]

/** The quality rankings of a comparison: the model names, or null with the reason in `notes`. */
export interface QualityRanking {
  /** Highest mean quality, by at least the score's resolution; null on a tie or without scores. */
  best: string | null
  /** Lowest quality spread, by at least its resolution; null on a tie or with too few scores. */
  consistent: string | null
  /** Why a field is null (a tie names the tied models and their values). */
  notes: string[]
}

/**
 * Best quality and most consistent model, without claiming more than the scores resolve
 * (issue 16): when the leading models' mean qualities lie within
 * {@link QUALITY_SCORE_RESOLUTION} of each other (or their spreads within
 * {@link QUALITY_STDEV_RESOLUTION}), no model is named and a note says which tie. With a
 * single scored model it is named (there is nothing to compare).
 */
export function rankQuality(models: readonly ModelStats[]): QualityRanking {
  const notes: string[] = []
  const best = rankWithin(models, (m) => m.mean_quality, QUALITY_SCORE_RESOLUTION, true)
  const consistent = rankWithin(models, (m) => m.quality_stdev, QUALITY_STDEV_RESOLUTION, false)
  const tie = (
    field: string,
    what: string,
    ranking: Extract<typeof best, { kind: 'tie' }>,
    resolution: number,
  ): string =>
    `${field} is null: ${ranking.tied.map((m) => m.model).join(', ')} tie on ${what} ` +
    `(${ranking.values.map((v) => v.toFixed(3)).join(', ')}) within the score's resolution of ` +
    `${resolution}; none is named.`
  if (best.kind === 'none') notes.push('best_quality_model is null: no image was scored.')
  if (best.kind === 'tie')
    notes.push(tie('best_quality_model', 'mean quality', best, QUALITY_SCORE_RESOLUTION))
  if (consistent.kind === 'none')
    notes.push('most_consistent_model is null: no model has two or more scored images.')
  if (consistent.kind === 'tie')
    notes.push(tie('most_consistent_model', 'quality spread', consistent, QUALITY_STDEV_RESOLUTION))
  return {
    best: best.kind === 'winner' ? best.winner.model : null,
    consistent: consistent.kind === 'winner' ? consistent.winner.model : null,
    notes,
  }
}

function seconds(ms: number | null): string {
  return ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`
}

/**
 * `metadata/model-comparison.md` (written when `enable-comparison` is true): every image with
 * its model, status, size and timings, linked relative to the metadata folder, and per-model
 * figures. Only measured values appear; quality scores show as "not measured" while null.
 */
export function modelComparisonMarkdown(report: GenerationReport): string {
  const images = report.images.map((image) => {
    const link = image.file ? `[${markdownCell(image.file)}](../${image.file})` : '–'
    const status = image.status === 'ok' ? 'ok' : `failed (${image.error?.code ?? ''})`
    const score = image.quality_score === null ? 'not measured' : image.quality_score.toFixed(2)
    return `| ${image.index} | ${markdownCell(image.model)} | ${status} | ${link} | ${image.resolution ?? '–'} | ${seconds(image.timings.generation_ms)} | ${image.attempts} | ${score} |`
  })
  const models = report.model_comparison.models.map(
    (m) =>
      `| ${markdownCell(m.model)} | ${m.images} | ${m.succeeded} | ${m.failed} | ${seconds(m.mean_generation_ms)} | ` +
      `${m.mean_quality === null ? '–' : m.mean_quality.toFixed(2)} | ${m.quality_stdev === null ? '–' : m.quality_stdev.toFixed(3)} |`,
  )
  const comparison = report.model_comparison
  const named = (value: string | null): string => (value === null ? '–' : markdownCell(value))
  // A tie is said where the best model would be named (the note below gives the values).
  const ranked = (value: string | null, field: string): string =>
    value === null &&
    comparison.notes.some((n) => n.startsWith(`${field} is null:`) && n.includes(' tie on '))
      ? "tie within the score's resolution (no best model)"
      : named(value)
  return [
    '# Model comparison',
    '',
    ...(report.preview
      ? [
          '> PREVIEW OUTPUT: rendered offline by the preview server, not by the models named below.',
          '',
        ]
      : []),
    `Prompt: ${markdownCell(report.request.prompt)}`,
    '',
    `${report.generation_summary.successful_generations} of ${report.generation_summary.total_images} images, ` +
      `strategy ${report.request.strategy}, max-parallel ${report.request.max_parallel}, ` +
      `total ${seconds(report.generation_summary.total_time_ms)}.`,
    '',
    '## Images',
    '',
    '| image | model | status | file | size | generation time | attempts | quality |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...images,
    '',
    '## Models',
    '',
    '| model | candidates | succeeded | failed | mean generation time | mean quality | quality stdev |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...models,
    '',
    `- Best quality: ${ranked(comparison.best_quality_model, 'best_quality_model')}`,
    `- Fastest: ${named(comparison.fastest_model)}`,
    `- Most consistent: ${ranked(comparison.most_consistent_model, 'most_consistent_model')}`,
    ...comparison.notes.map((n) => `- ${markdownCell(n)}`),
    '',
    ...shardLines(report),
    '![Contact sheet](contact-sheet.png)',
    '',
    ...report.notices.map((n) => `- ${markdownCell(n)}`),
    '',
  ].join('\n')
}

/** A run merged from shards (issue 13): each shard's images and its own wall time. */
function shardLines(report: GenerationReport): string[] {
  if (!report.shards?.length) return []
  return [
    '## Shards',
    '',
    '| shard | images | succeeded | failed | time | finished |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.shards.map(
      (s) =>
        `| ${s.label} | ${s.images.join(', ')} | ${s.successful_generations} | ${s.failed_generations} | ` +
        `${seconds(s.total_time_ms)} | ${s.complete ? 'yes' : 'no'} |`,
    ),
    '',
  ]
}
