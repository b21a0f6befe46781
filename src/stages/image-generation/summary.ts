import { markdownCell } from '../../core/markdown.js'
import type { SummaryLinks } from '../../core/stage-command.js'
import { costLine } from '../../output/reports/cost-line.js'
import type { ImageGenerationResult } from './run.js'
import { FILES } from './write-outputs.js'
import { jobCountsSentence } from '../../runner/journal.js'

/**
 * The job summary of an image-generation run (issue 16 §3): the prompt, the contact sheet (an
 * image when the folder was published to a branch, a link to the artifact or to the file in
 * the results folder otherwise), one row per planned image (model, status, score, size, time),
 * estimated against actual cost ("not measured" where the report has no cost, never $0 for
 * it), links to the report, the artifact and the Pages page, what was PREVIEW output, and the
 * warnings. All user text is escaped with `markdownCell`.
 *
 * @param links where the published files are (the adapter's, after publishing); none: the
 *   files are named by their path in the results folder
 */
export function imageSummaryMarkdown(
  result: ImageGenerationResult,
  links: SummaryLinks = {},
): string {
  const { report } = result
  const summary = report.generation_summary
  const jobs = summary.jobs
  return [
    `### Image generation${report.preview ? ' (PREVIEW output, not model output)' : ''}`,
    '',
    `**Prompt:** ${markdownCell(report.request.prompt)}`,
    '',
    `${summary.successful_generations} of ${summary.total_images} images generated ` +
      `in ${(summary.total_time_ms / 1000).toFixed(1)} s.`,
    '',
    ...previewLines(result),
    ...contactSheetLines(result, links),
    ...(jobs ? [jobCountsSentence(jobs), ''] : []),
    '| image | model | status | score | size | generation time | attempts |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...imageRows(result),
    '',
    costLine(report.cost),
    '',
    ...linkLines(result, links),
    ...report.warnings.map((w) => `> **${w.code}**: ${markdownCell(w.message)}`),
    '',
  ].join('\n')
}

function imageRows(result: ImageGenerationResult): string[] {
  return result.report.images.map((image) => {
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
}

/** Which images are PREVIEW output (drawn by the preview renderer, not a model). */
function previewLines(result: ImageGenerationResult): string[] {
  const preview = result.report.images.filter((i) => i.model.startsWith('preview'))
  if (preview.length === 0) return []
  const which =
    preview.length === result.report.images.length
      ? 'All images are'
      : `Images ${preview.map((i) => i.index).join(', ')} are`
  return [
    `> **PREVIEW output:** ${which} drawn offline by the preview renderer, not by a model ` +
      '(no mcp-config was given, or a preview model was chosen).',
    '',
  ]
}

/** The contact sheet: an image when published to a branch, else a link. */
function contactSheetLines(result: ImageGenerationResult, links: SummaryLinks): string[] {
  const made = result.reportPath !== undefined && result.images.length > 0
  if (!made) return []
  if (links.published && links.fileUrl)
    return [`![Contact sheet](${links.fileUrl(FILES.contactSheet)})`, '']
  if (links.artifactUrl)
    return [
      `Contact sheet: \`${FILES.contactSheet}\` in the [uploaded artifact](${links.artifactUrl}).`,
      '',
    ]
  if (links.fileUrl)
    return [
      `Contact sheet: [${FILES.contactSheet}](${links.fileUrl(FILES.contactSheet)}) ` +
        '(in the results folder; not published, so no image here).',
      '',
    ]
  return [`Contact sheet: \`${FILES.contactSheet}\` in the results folder.`, '']
}

function linkLines(result: ImageGenerationResult, links: SummaryLinks): string[] {
  const items: string[] = []
  if (result.reportPath !== undefined) {
    if (links.published && links.fileUrl) items.push(`[Report](${links.fileUrl(FILES.report)})`)
    else if (!links.artifactUrl && links.fileUrl)
      items.push(`Report: [${FILES.report}](${links.fileUrl(FILES.report)})`)
  }
  if (links.artifactUrl) items.push(`[Artifact](${links.artifactUrl})`)
  if (links.pagesUrl) items.push(`[Pages](${links.pagesUrl}) (when GitHub Pages serves docs/)`)
  return items.length ? [items.join(' · '), ''] : []
}

export { costLine }
