import { readFile } from 'node:fs/promises'
import { KamuiError, errorMessage } from '../core/errors.js'
import { resolveInWorkspace } from '../core/workspace.js'
import {
  shardFolderName,
  shardLabel,
  shardMatrix,
  ShardManifestSchema,
  type ModelShare,
  type ShardJob,
  type ShardManifest,
  type ShardRecord,
  type ShardSpec,
} from '../contracts/shard-manifest.js'
import { entryPrice } from '../models/price.js'
import type { ModelRegistry } from '../models/registry.js'
import type { RateLimit } from '../models/types.js'

/** One job of a run before it is given a shard: what the unsharded run would make. */
export interface PlannedShardJob {
  /** Image number or segment number (unique in the run). */
  number: number
  kind: ShardJob['kind']
  /** Model alias as requested. */
  model: string
  /** The seed the job is sent with, or null. */
  seed: number | null
}

/** What a run is planned from (the same for `kamui plan` and a shard run). */
export interface ShardPlanInput {
  stage: string
  /** The merged folder's folder-name as given. */
  folderName: string
  shards: number
  baseSeed: number
  seedSource: 'input' | 'drawn'
  /** sha256 of the inputs that decide the jobs. */
  request: string
  maxParallel: number
  /** No mcp-config: every model is stood in for by the preview server (price 0). */
  preview: boolean
  /** Every job of the unsharded run, in its order. */
  jobs: readonly PlannedShardJob[]
  registry: ModelRegistry
}

/**
 * The shard (1-based) of each of `n` jobs over `count` shards: contiguous blocks in job order
 * (job at position p goes to floor(p·count/n)+1), so shard sizes differ by at most one and
 * shard k holds lower numbers than shard k+1.
 *
 * @throws KamuiError CFG_001 when there are more shards than jobs (a shard would make nothing)
 */
export function assignShards(n: number, count: number): number[] {
  if (count > n) {
    throw new KamuiError(
      'CFG_001',
      `shards ${count} is more than the ${n} job(s) of the run: every shard must make at least one; ` +
        `use at most ${n} shards.`,
    )
  }
  return Array.from({ length: n }, (_, p) => Math.floor((p * count) / n) + 1)
}

/**
 * A model's limit shared by `users` shards: each field floor(limit / users), never below 1;
 * a field the registry does not limit stays unlimited (the shard's max-parallel applies).
 */
export function shareLimit(limit: RateLimit, users: number): RateLimit {
  const share = (value: number | undefined): number | undefined =>
    value === undefined ? undefined : Math.max(1, Math.floor(value / users))
  const rpm = share(limit.rpm)
  const concurrency = share(limit.concurrency)
  return {
    ...(rpm !== undefined ? { rpm } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  }
}

/** Rate limits belong to the provider account: each model's limit divided over the shards using it. */
function modelShares(jobs: readonly ShardJob[], registry: ModelRegistry): ModelShare[] {
  const models = [...new Set(jobs.map((j) => j.model))].sort()
  return models.map((model) => {
    const users = new Set(jobs.filter((j) => j.model === model).map((j) => j.shard)).size
    const account = { ...(registry.find(model)?.rateLimit ?? {}) }
    return { model, account, shards_using: users, per_shard: shareLimit(account, users) }
  })
}

/**
 * Price of one job: 0 for the preview server; the registry price when it is per call or per
 * image (one job makes one image or one clip call); else null (unknown, or per second or
 * megapixel, which the plan cannot know before the job runs).
 */
function priceOf(registry: ModelRegistry, model: string, preview: boolean): number | null {
  if (preview || model === 'preview') return 0
  const entry = registry.find(model)
  const price = entry ? entryPrice(entry) : null
  return price && (price.per === 'call' || price.per === 'image') ? price.usd : null
}

function sumPrices(jobs: readonly ShardJob[]): number | null {
  if (jobs.some((j) => j.price_usd === null)) return null
  return round6(jobs.reduce((sum, j) => sum + (j.price_usd ?? 0), 0))
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6
}

/**
 * The shard manifest of a run (`kamui plan`): every job with its shard and price, each model's
 * per-shard limits, the estimated cost and the matrix. Deterministic: the same inputs and seed
 * give the same manifest, byte for byte.
 *
 * @throws KamuiError CFG_001 when there are more shards than jobs
 */
export function buildShardManifest(input: ShardPlanInput): ShardManifest {
  const shardOf = assignShards(input.jobs.length, input.shards)
  const jobs: ShardJob[] = input.jobs.map((job, p) => ({
    ...job,
    shard: shardOf[p] as number,
    price_usd: priceOf(input.registry, job.model, input.preview),
  }))
  const models = modelShares(jobs, input.registry)
  const shardList = Array.from({ length: input.shards }, (_, i) => {
    const spec = { index: i + 1, count: input.shards }
    const own = jobs.filter((j) => j.shard === spec.index)
    const used = new Set(own.map((j) => j.model))
    return {
      shard: spec.index,
      label: shardLabel(spec),
      folder: shardFolderName(input.folderName, spec),
      jobs: own.map((j) => j.number),
      rate_limits: Object.fromEntries(
        models.filter((m) => used.has(m.model)).map((m) => [m.model, m.per_shard]),
      ),
      estimated_cost_usd: sumPrices(own),
    }
  })
  const unknown = [...new Set(jobs.filter((j) => j.price_usd === null).map((j) => j.model))]
  return ShardManifestSchema.parse({
    schema_version: 1,
    kind: 'kamui-shard-manifest',
    stage: input.stage,
    folder_name: input.folderName,
    shards: input.shards,
    base_seed: input.baseSeed,
    seed_source: input.seedSource,
    request: input.request,
    max_parallel: input.maxParallel,
    preview: input.preview,
    jobs,
    models,
    shard_list: shardList,
    estimated_cost: {
      total_usd: sumPrices(jobs),
      known_usd: round6(jobs.reduce((sum, j) => sum + (j.price_usd ?? 0), 0)),
      unknown_price_models: unknown.sort(),
      basis: input.preview
        ? 'preview server: rendered offline, no charge'
        : 'price of each model in the model registry (per call or per image), one successful call per job; ' +
          'regenerations (strategy smart) and retries not billed by the provider are not included',
    },
    matrix: shardMatrix(input.shards),
  })
}

/**
 * Reads and validates a shard manifest.
 *
 * @throws KamuiError FS_001 for a path outside the workspace, CFG_001 when it cannot be read or
 *   is not a shard manifest
 */
export async function readShardManifest(
  workspace: string,
  relative: string,
): Promise<ShardManifest> {
  const file = resolveInWorkspace(workspace, relative, 'shard-manifest')
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new KamuiError(
      'CFG_001',
      `shard-manifest ${relative} cannot be read as JSON (${errorMessage(error)}); write it with kamui plan.`,
      { cause: error },
    )
  }
  const parsed = ShardManifestSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new KamuiError(
      'CFG_001',
      `shard-manifest ${relative} is not a shard manifest: ${issues.slice(0, 5).join('; ')}.`,
    )
  }
  return parsed.data
}

/** What one shard run makes and how. */
export interface ShardRun {
  spec: ShardSpec
  /** Job numbers this shard makes. */
  numbers: ReadonlySet<number>
  /** Per model alias: this shard's share of the account limits. */
  rateLimits: Record<string, RateLimit>
  /** The record written to the shard folder's `metadata/shard.json`. */
  record: ShardRecord
}

/**
 * The jobs and limits of shard `spec` of the run `input` describes. With a manifest, the run
 * must be the one it planned: same stage, shard count, request, base seed and job list (model
 * and seed of every job), and the manifest's limits are used.
 *
 * @throws KamuiError SHARD_001 naming the first difference from the manifest; CFG_001 when
 *   there are more shards than jobs
 */
export function shardRunOf(
  input: ShardPlanInput,
  spec: ShardSpec,
  manifest: ShardManifest | undefined,
): ShardRun {
  const planned = buildShardManifest(input)
  if (manifest) checkAgainstManifest(planned, manifest)
  const chosen = manifest ?? planned
  const entry = chosen.shard_list.find((s) => s.shard === spec.index)
  const numbers = new Set(entry?.jobs ?? [])
  const rateLimits = entry?.rate_limits ?? {}
  return {
    spec,
    numbers,
    rateLimits,
    record: {
      schema_version: 1,
      stage: chosen.stage,
      shard: spec.index,
      shards: spec.count,
      folder_name: chosen.folder_name,
      base_seed: chosen.base_seed,
      request: chosen.request,
      jobs: chosen.jobs,
      manifest: manifest !== undefined,
      rate_limits: rateLimits,
    },
  }
}

function checkAgainstManifest(planned: ShardManifest, manifest: ShardManifest): void {
  const mismatch = (what: string, ours: unknown, theirs: unknown): never => {
    throw new KamuiError(
      'SHARD_001',
      `This shard run does not match shard-manifest: ${what} is ${JSON.stringify(ours)} here but ` +
        `${JSON.stringify(theirs)} in the manifest. Run every shard with the inputs given to kamui plan.`,
    )
  }
  if (planned.stage !== manifest.stage) mismatch('the stage', planned.stage, manifest.stage)
  if (planned.shards !== manifest.shards)
    mismatch('N of shard k/N', planned.shards, manifest.shards)
  if (planned.request !== manifest.request)
    mismatch(
      'the request (prompt, models, count, size, strategy)',
      planned.request,
      manifest.request,
    )
  const key = (jobs: readonly ShardJob[]): string =>
    JSON.stringify(jobs.map((j) => [j.number, j.kind, j.model, j.seed, j.shard]))
  if (key(planned.jobs) !== key(manifest.jobs)) {
    mismatch(
      'the job list',
      planned.jobs.map((j) => `${j.number}:${j.model}:${j.seed}`),
      manifest.jobs.map((j) => `${j.number}:${j.model}:${j.seed}`),
    )
  }
}
