import type { CostFigure, RunStats } from './stats.js'
import type { PruneResult } from './prune.js'

/**
 * Plain-text views of the ledger for `kamui stats` and `kamui prune` (the `--json` output is
 * the objects themselves). Unknown prices print as "unknown", never as $0.
 */

/** Lines of `kamui stats`. */
export function formatRunStats(stats: RunStats): string[] {
  const g = stats.generations
  const lines = [
    `journals: ${stats.journals.length}, stage runs: ${stats.runs}, jobs: ${stats.jobs}`,
    `generations: ${g.total} (${g.completed} completed, ${g.failed} failed), success rate ${percent(g.successRate)}`,
  ]
  const codes = Object.entries(stats.failuresByCode)
  lines.push(
    `failures by code: ${codes.length ? codes.map(([c, n]) => `${c} ${n}`).join(', ') : 'none'}`,
  )
  const p = stats.placement
  lines.push(
    `where: ${p.local} local (ComfyUI), ${p.hosted} hosted, ${p.preview} preview; local share ${percent(p.localShare)} of local + hosted`,
  )
  lines.push(`cost: ${cost(stats.cost)}`)
  const s = stats.savings
  lines.push(
    `savings: ${s.resumedJobs} resumed without a second submit (${cost(s.resumedCost)}), ` +
      `${s.reusedJobs} reused without a model call, ${s.cacheHits} of them from the cache ` +
      `(${cost(s.reusedCost)}, ${seconds(s.savedMs)} of model time)`,
  )
  if (stats.models.length) lines.push('', ...modelTable(stats))
  for (const warning of stats.warnings) lines.push(`warning: ${warning}`)
  return lines
}

function modelTable(stats: RunStats): string[] {
  const rows = [['model', 'where', 'ok', 'failed', 'success', 'mean', 'p95', 'cost']]
  for (const m of stats.models)
    rows.push([
      m.model,
      m.placement,
      String(m.completed),
      String(m.failed),
      percent(m.successRate),
      seconds(m.meanMs),
      seconds(m.p95Ms),
      cost(m.cost),
    ])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  )
}

/** Lines of `kamui prune`. */
export function formatPruneResult(result: PruneResult): string[] {
  const verb = result.dryRun ? 'would remove' : 'removed'
  const lines = result.removed.map(
    (r) =>
      `${verb} ${r.kind === 'run-folder' ? 'run folder' : 'cache entry'} ${r.path} (last activity ${r.lastActivity}, ${r.bytes} bytes)`,
  )
  lines.push(
    `${result.dryRun ? 'dry run: ' : ''}${result.removed.length} ${verb} (${result.bytes} bytes), ` +
      `${result.kept.length} run folders kept; cut-off ${result.cutoff}`,
  )
  return lines
}

/** `$0.08`, `$0.08 known + 2 jobs of unknown price`, or `none`. */
export function cost(figure: CostFigure): string {
  if (figure.pricedJobs === 0 && figure.unknownJobs === 0) return 'none'
  if (figure.usd !== null) return usd(figure.usd)
  const jobs = `${figure.unknownJobs} job${figure.unknownJobs === 1 ? '' : 's'} of unknown price`
  return figure.pricedJobs === 0
    ? `unknown (${jobs})`
    : `unknown (${usd(figure.knownUsd)} known + ${jobs})`
}

function usd(value: number): string {
  return `$${value.toFixed(value !== 0 && value < 0.01 ? 4 : 2)}`
}

function percent(rate: number | null): string {
  return rate === null ? 'n/a' : `${(rate * 100).toFixed(1)} %`
}

function seconds(ms: number | null): string {
  return ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`
}
