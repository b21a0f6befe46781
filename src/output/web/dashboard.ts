import type { CostFigure, ModelStats, RunStats } from '../ledger/stats.js'
import { truncate } from './format.js'
import { markup, type SafeHtml } from './html.js'

/** Width of a chart's drawing, px (the SVG scales down on narrow screens). */
const WIDTH = 420
/** Width of the label column of a bar chart, px. */
const LABEL = 150
/** Height of one bar row, px. */
const ROW = 22

/** One bar of a horizontal bar chart. */
interface Bar {
  label: string
  /** 0 or more, in the chart's unit; null draws no bar and shows `text`. */
  value: number | null
  /** The figure written after the bar. */
  text: string
  /** A second mark on the bar (a p95 tick), same unit, or null. */
  tick?: number | null
  kind?: 'local' | 'hosted' | 'preview' | 'bad'
}

/**
 * The runs dashboard (issue 16 §5): the figures of `kamui stats` (see src/output/ledger/stats.ts)
 * read from the journals under the docs folder, drawn as small inline SVG charts (no script, no
 * request): the success rate overall and per model, the mean generation time per model with its
 * p95, where the completed generations ran (local, hosted, preview) and the cost per model (an
 * unknown price shows as unknown, never as 0). Every model name and figure is escaped text.
 */
export function renderDashboard(stats: RunStats): SafeHtml {
  const g = stats.generations
  if (g.total === 0) {
    return markup`<section id="dashboard" class="dashboard">
      <h2>Figures</h2>
      <p class="meta">No model generation in the journals under this folder (${stats.journals.length} journal${stats.journals.length === 1 ? '' : 's'}).</p>
    </section>`
  }
  return markup`<section id="dashboard" class="dashboard">
      <h2>Figures</h2>
      <p class="meta">From ${stats.journals.length} run journal${stats.journals.length === 1 ? '' : 's'} (${stats.runs} stage run${stats.runs === 1 ? '' : 's'}, ${g.total} generation${g.total === 1 ? '' : 's'}); the same figures as <code>kamui stats</code>.</p>
      <div class="charts">
        ${successChart(stats)}
        ${timeChart(stats.models)}
        ${placementChart(stats.placement)}
        ${costChart(stats)}
      </div>
    </section>`
}

function successChart(stats: RunStats): SafeHtml {
  const g = stats.generations
  const bars: Bar[] = [
    { label: 'all models', value: g.successRate, text: rateText(g.completed, g.total) },
    ...stats.models.map((m) => ({
      label: m.model,
      value: m.successRate,
      text: rateText(m.completed, m.completed + m.failed),
      kind: m.failed > 0 ? ('bad' as const) : undefined,
    })),
  ]
  return chart('chart-success', 'Success rate', barRows(bars, 1))
}

function timeChart(models: ModelStats[]): SafeHtml {
  const timed = models.filter((m) => m.meanMs !== null)
  const bars: Bar[] = timed.map((m) => ({
    label: m.model,
    value: m.meanMs,
    tick: m.p95Ms,
    text: `${seconds(m.meanMs)} (p95 ${seconds(m.p95Ms)}, ${m.timedJobs} job${m.timedJobs === 1 ? '' : 's'})`,
    kind: m.placement,
  }))
  const max = Math.max(1, ...timed.map((m) => Math.max(m.meanMs ?? 0, m.p95Ms ?? 0)))
  return chart(
    'chart-time',
    'Generation time per model (mean, tick at p95)',
    bars.length ? barRows(bars, max) : markup`<text x="0" y="16">no timed jobs</text>`,
  )
}

function placementChart(p: RunStats['placement']): SafeHtml {
  const total = p.local + p.hosted + p.preview
  const parts = [
    ['local', p.local],
    ['hosted', p.hosted],
    ['preview', p.preview],
  ] as const
  let x = 0
  const segments = parts.map(([kind, count]) => {
    const width = total > 0 ? (count / total) * (LABEL + WIDTH) : 0
    const rect = markup`<rect class="bar-${kind}" x="${x.toFixed(1)}" y="4" width="${width.toFixed(1)}" height="${ROW}"><title>${kind}: ${count}</title></rect>`
    x += width
    return rect
  })
  const legend = parts.map(
    ([kind, count], i) =>
      markup`<rect class="bar-${kind}" x="${i * 140}" y="38" width="10" height="10"></rect><text x="${i * 140 + 14}" y="47">${kind} ${count} (${percent(total ? count / total : null)})</text>`,
  )
  const share = p.localShare === null ? 'no local or hosted jobs' : percent(p.localShare)
  return chart(
    'chart-placement',
    `Where generations ran (local share of local + hosted: ${share})`,
    markup`${segments}${legend}`,
    56,
  )
}

function costChart(stats: RunStats): SafeHtml {
  const priced = stats.models.filter((m) => m.completed > 0)
  const bars: Bar[] = priced.map((m) => ({
    label: m.model,
    value: m.cost.usd ?? (m.cost.pricedJobs > 0 ? m.cost.knownUsd : null),
    text: costText(m.cost),
    kind: m.placement,
  }))
  const max = Math.max(0.01, ...bars.map((b) => b.value ?? 0))
  return chart('chart-cost', `Cost (total ${costText(stats.cost)})`, barRows(bars, max))
}

/** A titled SVG chart of `height` px (default: fits its rows). */
function chart(id: string, title: string, body: SafeHtml, height?: number): SafeHtml {
  const rows = (body.value.match(/class="row"/g) ?? []).length
  const h = height ?? Math.max(ROW + 6, rows * (ROW + 6))
  return markup`<figure class="chart" id="${id}">
          <figcaption>${title}</figcaption>
          <svg viewBox="0 0 ${WIDTH + LABEL + 180} ${h}" width="100%" role="img" aria-label="${title}" xmlns="http://www.w3.org/2000/svg">${body}</svg>
        </figure>`
}

/** Rows of label, bar (scaled so that `max` fills the bar area) and figure. */
function barRows(bars: Bar[], max: number): SafeHtml {
  const area = WIDTH - 10
  return markup`${bars.map((bar, i) => {
    const y = i * (ROW + 6)
    const width = bar.value === null ? 0 : Math.max(1, (bar.value / max) * area)
    const tick =
      bar.tick === undefined || bar.tick === null
        ? ''
        : markup`<line class="tick" x1="${(LABEL + (bar.tick / max) * area).toFixed(1)}" x2="${(LABEL + (bar.tick / max) * area).toFixed(1)}" y1="${y + 2}" y2="${y + ROW}"></line>`
    return markup`<g class="row"><text class="label" x="${LABEL - 6}" y="${y + 16}" text-anchor="end">${truncate(bar.label, 22)}<title>${bar.label}</title></text><rect class="bar-${bar.kind ?? 'plain'}" x="${LABEL}" y="${y + 2}" width="${width.toFixed(1)}" height="${ROW - 4}"></rect>${tick}<text x="${LABEL + area + 6}" y="${y + 16}">${bar.text}</text></g>`
  })}`
}

function rateText(completed: number, total: number): string {
  return total === 0 ? 'none' : `${percent(completed / total)} (${completed}/${total})`
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(value === 1 || value === 0 ? 0 : 1)} %`
}

function seconds(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
}

/** `$0.12`, or `unknown` (with the known part) when a price is unknown. */
export function costText(cost: CostFigure): string {
  if (cost.usd !== null) return `$${cost.usd.toFixed(cost.usd < 1 ? 3 : 2)}`
  return cost.pricedJobs > 0
    ? `unknown (≥ $${cost.knownUsd.toFixed(3)} known, ${cost.unknownJobs} unpriced)`
    : `unknown (${cost.unknownJobs} unpriced)`
}
