import { markdownCell } from '../../core/markdown.js'
import type { GenerationReport } from './report.js'

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
    `- Best quality: ${named(comparison.best_quality_model)}`,
    `- Fastest: ${named(comparison.fastest_model)}`,
    `- Most consistent: ${named(comparison.most_consistent_model)}`,
    ...comparison.notes.map((n) => `- ${markdownCell(n)}`),
    '',
    '![Contact sheet](contact-sheet.png)',
    '',
    ...report.notices.map((n) => `- ${markdownCell(n)}`),
    '',
  ].join('\n')
}
