import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { RawInputs } from '../../core/input-spec.js'
import { parseNumberInput } from '../../core/parse-input.js'
import { markdownCell } from '../../core/markdown.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { MAX_SHARDS, type ShardManifest } from '../../contracts/shard-manifest.js'
import { buildShardManifest } from '../../runner/shard-plan.js'
import type { ShardPlanner } from './types.js'

/** What `kamui plan` returns. */
export interface PlanResult {
  manifest: ShardManifest
  /** Absolute path of the manifest written. */
  file: string
}

/**
 * `kamui plan` (issue 13): plans a sharded run of one stage from that stage's inputs and
 * `shards: N` and writes the shard manifest (base seed, every job with its image number or
 * segment, model, seed, shard and price, each model's per-shard limits, the estimated cost,
 * the matrix). Calls no model and writes nothing else.
 *
 * @throws KamuiError CFG_001 for an unknown stage, a bad shard count or more shards than jobs;
 *   the stage's own input errors; FS_001 for a manifest path outside the workspace
 */
export async function runPlan(
  raw: RawInputs,
  context: StageContext,
  planners: readonly ShardPlanner[],
): Promise<PlanResult> {
  const stage = (raw['stage'] ?? '').trim() || 'image-generation-v2'
  const planner = planners.find((p) => p.stage === stage)
  if (!planner) {
    throw new KamuiError(
      'CFG_001',
      `stage "${stage}" cannot be sharded; use one of ${planners.map((p) => p.stage).join(', ')}.`,
    )
  }
  const shards = parseNumberInput({ shards: raw['shards'] ?? '' }, 'shards', 1, MAX_SHARDS, true)
  const input = await planner.plan(raw, context, shards)
  const manifest = buildShardManifest(input)
  const relative =
    (raw['manifest-file'] ?? '').trim() ||
    `${input.folderName.replace(/[\\/]+$/, '')}-shard-manifest.json`
  const file = resolveInWorkspace(context.workspace, relative, 'manifest-file')
  await writeRedactedJson(file, manifest, context.redactor)
  context.logger.info(
    `${stage}: ${manifest.jobs.length} job(s) over ${shards} shard(s), base seed ${manifest.base_seed}` +
      ` (${manifest.seed_source}); estimated cost ${costText(manifest)}. Manifest: ${relative}`,
  )
  for (const share of manifest.models) warnOverLimit(share, context)
  for (const entry of manifest.shard_list) {
    const limits = Object.entries(entry.rate_limits)
      .map(([model, l]) => `${model} ${l.concurrency ?? '–'} at once, ${l.rpm ?? '–'} rpm`)
      .join('; ')
    context.logger.info(
      `  shard ${entry.label}: job(s) ${entry.jobs.join(', ')} → ${entry.folder}${limits ? ` (${limits})` : ''}`,
    )
  }
  return { manifest, file }
}

/** Warns when the minimum of 1 per shard lets the shards together exceed the account's limit. */
function warnOverLimit(share: ShardManifest['models'][number], context: StageContext): void {
  for (const field of ['rpm', 'concurrency'] as const) {
    const account = share.account[field]
    const each = share.per_shard[field]
    if (account !== undefined && each !== undefined && each * share.shards_using > account) {
      context.logger.warn(
        `${share.model}: ${share.shards_using} shards at ${each} ${field} each exceed the account's ` +
          `${account}; use at most ${account} shards for this model, or expect rate-limit retries (IMG_006).`,
      )
    }
  }
}

function costText(manifest: ShardManifest): string {
  const cost = manifest.estimated_cost
  if (cost.total_usd !== null) return `$${cost.total_usd.toFixed(2)}`
  return `unknown (no price for ${cost.unknown_price_models.join(', ')}; $${cost.known_usd.toFixed(2)} known)`
}

/** The plan's outputs. */
export function planOutputs(result: PlanResult, workspace: string): Record<string, string> {
  const { manifest } = result
  return {
    matrix: JSON.stringify(manifest.matrix),
    'shard-manifest': path.relative(workspace, result.file).split(path.sep).join('/'),
    shards: String(manifest.shards),
    'base-seed': String(manifest.base_seed),
    jobs: String(manifest.jobs.length),
    'estimated-cost-usd':
      manifest.estimated_cost.total_usd === null ? '' : String(manifest.estimated_cost.total_usd),
  }
}

/** The job summary of a plan: one row per shard (jobs, folder, limits, estimated cost). */
export function planSummaryMarkdown(result: PlanResult): string {
  const { manifest } = result
  const usd = (v: number | null): string => (v === null ? 'unknown' : `$${v.toFixed(2)}`)
  const rows = manifest.shard_list.map((entry) => {
    const limits = Object.entries(entry.rate_limits)
      .map(([model, l]) => `${model}: ${l.concurrency ?? '–'} at once, ${l.rpm ?? '–'} rpm`)
      .join('; ')
    return (
      `| ${entry.label} | ${entry.jobs.join(', ')} | ${markdownCell(entry.folder)} | ` +
      `${markdownCell(limits || '–')} | ${usd(entry.estimated_cost_usd)} |`
    )
  })
  return [
    `### kamui plan: ${markdownCell(manifest.stage)} over ${manifest.shards} shard(s)`,
    '',
    `${manifest.jobs.length} job(s), base seed ${manifest.base_seed} (${manifest.seed_source}), ` +
      `estimated cost ${costText(manifest)}${manifest.preview ? ' (preview: no charge)' : ''}.`,
    '',
    '| shard | jobs | folder | rate limits per shard | estimated cost |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n')
}
