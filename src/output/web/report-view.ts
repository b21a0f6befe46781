import type { ImageRecord } from '../../contracts/generation-report.js'
import type { ReportView } from './report-schema.js'
import { formatBytes, formatMs, formatScore } from './format.js'
import { markup, type SafeHtml } from './html.js'

/**
 * The generation report (metadata/generation-report.json of the image stage) as readable
 * tables: the request and summary, every planned image (made or failed), the model comparison,
 * notices and warnings. Every value is escaped.
 *
 * @param reportUrl relative URL of the JSON file for a download link, or null
 */
export function reportView(report: ReportView, reportUrl: string | null): SafeHtml {
  const comparison = report.model_comparison
  return markup`<div class="report">
    ${reportUrl === null ? '' : markup`<p><a href="${reportUrl}">generation-report.json</a></p>`}
    ${
      report.notices.length
        ? markup`<ul class="notices">
            ${report.notices.map((n) => markup`<li>${n}</li>`)}
          </ul>`
        : ''
    }
    ${summaryTable(summaryRows(report))}
    ${imagesTable(report)}
    ${modelComparison(comparison)}
    ${
      comparison.notes.length
        ? markup`<ul class="notes">
            ${comparison.notes.map((n) => markup`<li>${n}</li>`)}
          </ul>`
        : ''
    }
    ${
      report.warnings.length
        ? markup`<h3>Warnings</h3>
            <ul class="warnings">
              ${report.warnings.map((w) => markup`<li><code>${w.code}</code> ${w.message}</li>`)}
            </ul>`
        : ''
    }
  </div>`
}

/** The `[label, value]` rows of the request and summary table. */
function summaryRows(report: ReportView): [string, string][] {
  const { request, generation_summary: summary } = report
  return [
    ['Prompt', request.prompt],
    ...(report.prompt_preparation && report.prompt_preparation.sent_to_model !== request.prompt
      ? [['Prompt sent to the model', report.prompt_preparation.sent_to_model] as [string, string]]
      : []),
    ['Images requested', String(request.image_count)],
    [
      'Models',
      `${request.models.join(', ')}${request.auto_selected ? ' (picked by models: auto)' : ''}`,
    ],
    ['Strategy', `${request.strategy}, max-parallel ${request.max_parallel}`],
    ['Quality threshold', String(request.quality_threshold)],
    ['Requested size', `${request.width}×${request.height}`],
    ['Base seed', String(request.base_seed)],
    [
      'Generated',
      `${summary.successful_generations} of ${summary.total_images}` +
        (summary.failed_generations ? ` (${summary.failed_generations} failed)` : ''),
    ],
    ['Total time', formatMs(summary.total_time_ms)],
    ['Average time per image', formatMs(summary.average_time_per_image_ms)],
    [
      'Primary image',
      summary.primary_image_number === null
        ? 'none'
        : `image ${summary.primary_image_number}: ${summary.primary_selection}`,
    ],
    ['Cancelled', summary.cancelled ? 'yes' : 'no'],
    ['Generator', `${report.generator.name} ${report.generator.version}`],
  ]
}

/** The request and summary table, one row per `[label, value]`. */
function summaryTable(rows: [string, string][]): SafeHtml {
  return markup`<h3>Request and summary</h3>
    <div class="table-scroll">
      <table class="report-summary">
        <tbody>
          ${rows.map(
            ([k, v]) =>
              markup`<tr>
                <th scope="row">${k}</th>
                <td>${v}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`
}

/** The table of every planned image, made or failed. */
function imagesTable(report: ReportView): SafeHtml {
  const summary = report.generation_summary
  return markup`<h3>Images</h3>
    <div class="table-scroll">
      <table class="report-images">
        <thead>
          <tr>
            <th>#</th>
            <th>Status</th>
            <th>Model</th>
            <th>Score</th>
            <th>Meets threshold</th>
            <th>Size</th>
            <th>Seed</th>
            <th>Queue wait</th>
            <th>Generation</th>
            <th>Download</th>
            <th>Total</th>
            <th>Attempts</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          ${report.images.map((image) => imageRow(image, summary.primary_image_number))}
        </tbody>
      </table>
    </div>`
}

/** The per-model table and the best, fastest and most consistent models. */
function modelComparison(comparison: ReportView['model_comparison']): SafeHtml {
  return markup`<h3>Model comparison</h3>
    <div class="table-scroll">
      <table class="report-models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Images</th>
            <th>Succeeded</th>
            <th>Failed</th>
            <th>Mean generation</th>
            <th>Mean score</th>
            <th>Score std. dev.</th>
          </tr>
        </thead>
        <tbody>
          ${comparison.models.map(
            (m) =>
              markup`<tr>
                <td>${m.model}</td>
                <td>${m.images}</td>
                <td>${m.succeeded}</td>
                <td>${m.failed}</td>
                <td>${formatMs(m.mean_generation_ms)}</td>
                <td>${formatScore(m.mean_quality)}</td>
                <td>${m.quality_stdev === null ? '—' : m.quality_stdev.toFixed(3)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p>
      Best quality: ${comparison.best_quality_model ?? '—'} · Fastest:
      ${comparison.fastest_model ?? '—'} · Most consistent:
      ${comparison.most_consistent_model ?? '—'}
    </p>`
}

function imageRow(image: ImageRecord, primaryNumber: number | null): SafeHtml {
  const notes = [
    image.index === primaryNumber ? 'primary' : '',
    image.preview ? 'preview output' : '',
    image.fallback_from ? `fell back from ${image.fallback_from}` : '',
    image.regeneration ? `${image.regeneration.outcome}: ${image.regeneration.reason}` : '',
    image.error ? `${image.error.code}: ${image.error.message}` : '',
    image.quality?.flags.length ? `flags: ${image.quality.flags.join(', ')}` : '',
    image.file_size_bytes !== null ? formatBytes(image.file_size_bytes) : '',
  ].filter((n) => n !== '')
  const t = image.timings
  return markup`<tr data-image-number="${image.index}">
    <td>${image.index}</td>
    <td>${image.status}</td>
    <td>${image.model}</td>
    <td>${formatScore(image.quality_score)}</td>
    <td>${image.quality ? (image.quality.meets_threshold ? 'yes' : 'no') : '—'}</td>
    <td>${image.resolution ?? '—'}</td>
    <td>${image.seed}</td>
    <td>${formatMs(t.queue_wait_ms)}</td>
    <td>${formatMs(t.generation_ms)}</td>
    <td>${formatMs(t.download_ms)}</td>
    <td>${formatMs(t.total_ms)}</td>
    <td>${image.attempts}</td>
    <td>${notes.join('; ')}</td>
  </tr>`
}
