import { markdownCell } from '../../core/markdown.js'
import type { ImageGenerationResult } from './run.js'

/** The job summary of an image-generation run: one row per planned image, then the warnings. */
export function imageSummaryMarkdown(result: ImageGenerationResult): string {
  const { report } = result
  const jobs = report.generation_summary.jobs
  const rows = report.images.map((image) => {
    const primary = image.index === result.primary.index ? ' (primary)' : ''
    const status = image.status === 'ok' ? 'ok' : `failed: ${image.error?.code ?? ''}`
    const time =
      image.timings.generation_ms === null
        ? '–'
        : `${(image.timings.generation_ms / 1000).toFixed(1)} s`
    const score = image.quality_score === null ? '–' : image.quality_score.toFixed(2)
    const regen =
      image.regeneration?.outcome === 'regenerated'
        ? ` (regenerated from ${markdownCell(image.regeneration.from)})`
        : ''
    return `| ${image.index}${primary} | ${markdownCell(image.model)}${regen} | ${status} | ${score} | ${image.resolution ?? '–'} | ${time} | ${image.attempts} |`
  })
  return [
    `### Image generation${report.preview ? ' (PREVIEW output, not model output)' : ''}`,
    '',
    `${report.generation_summary.successful_generations} of ${report.generation_summary.total_images} images generated ` +
      `in ${(report.generation_summary.total_time_ms / 1000).toFixed(1)} s.`,
    '',
    ...(jobs
      ? [
          `Model jobs: ${jobs.reused} reused from the run journal, ${jobs.resumed} resumed, ` +
            `${jobs.new} new${jobs.resubmitted ? ` (${jobs.resubmitted} submitted again)` : ''}.`,
          '',
        ]
      : []),
    '| image | model | status | score | size | generation time | attempts |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...report.warnings.map((w) => `> **${w.code}**: ${markdownCell(w.message)}`),
    '',
  ].join('\n')
}
