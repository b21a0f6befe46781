import { z } from 'zod'
import { KamuiError } from '../core/errors.js'
import type { InputSpec, RawInputs } from '../core/input-spec.js'

/**
 * Sharding a run over a GitHub Actions matrix (issue 13, SPEC §10): the `shard` and
 * `shard-manifest` inputs, the shard manifest `kamui plan` writes, and the shard record
 * (`metadata/shard.json`) every shard folder holds so that `kamui merge` can put the shards
 * back together. The dry-run plan of issue 11 (`metadata/plan.json`) is another file.
 */

/** Most shards of one run: a matrix makes at most 256 jobs per workflow run. */
export const MAX_SHARDS = 256

/** One shard of a run: `index` of `count`, 1-based. */
export interface ShardSpec {
  index: number
  count: number
}

/** The `shard` and `shard-manifest` inputs of every stage that can be sharded. */
export const SHARD_INPUTS: readonly InputSpec[] = [
  {
    name: 'shard',
    default: '',
    description:
      'Run one shard of a sharded run, as "k/N" (the matrix value of `kamui plan`): only the jobs of ' +
      'shard k (images by image number, clips by segment) are made, with the models, seeds and ' +
      'arguments the unsharded run would give them, into the folder "<folder-name>-shard-k-of-N" ' +
      'with its own journal and reports; `kamui merge` joins the shards. Needs shard-manifest or ' +
      'seed. Empty: the whole run.',
  },
  {
    name: 'shard-manifest',
    default: '',
    description:
      'The shard manifest written by `kamui plan` (workspace-relative): its base seed and per-shard ' +
      'rate limits are used, and the run is checked against it (same request, same jobs). Only with shard.',
  },
]

/**
 * Parses `k/N`.
 *
 * @throws KamuiError CFG_001 unless both are whole numbers with 1 ≤ k ≤ N ≤ {@link MAX_SHARDS}
 */
export function parseShardSpec(value: string, name = 'shard'): ShardSpec {
  const match = /^\s*(\d{1,3})\s*\/\s*(\d{1,3})\s*$/.exec(value)
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || index < 1 || count < 1 || index > count || count > MAX_SHARDS) {
    throw new KamuiError(
      'CFG_001',
      `${name} must be "k/N" with whole numbers 1 ≤ k ≤ N ≤ ${MAX_SHARDS} (e.g. "2/3"), got "${value}".`,
    )
  }
  return { index, count }
}

/** The parsed `shard` / `shard-manifest` inputs. */
export interface ShardInputs {
  /** The shard to run, or undefined for the whole run. */
  shard: ShardSpec | undefined
  /** Workspace-relative manifest path, or undefined. */
  shardManifest: string | undefined
}

/**
 * Parses `shard` and `shard-manifest` of raw inputs (defaults applied).
 *
 * @throws KamuiError CFG_001 for a malformed shard, or a manifest without a shard
 */
export function parseShardInputs(r: RawInputs): ShardInputs {
  const shardText = (r['shard'] ?? '').trim()
  const manifest = (r['shard-manifest'] ?? '').trim()
  if (shardText === '' && manifest !== '') {
    throw new KamuiError(
      'CFG_001',
      'shard-manifest is given without shard: give shard "k/N" too (the matrix value of kamui plan).',
    )
  }
  return {
    shard: shardText === '' ? undefined : parseShardSpec(shardText),
    shardManifest: manifest === '' ? undefined : manifest,
  }
}

/** `"k/N"`. */
export function shardLabel(spec: ShardSpec): string {
  return `${spec.index}/${spec.count}`
}

/** The folder of shard `spec` of a run whose merged folder is `folderName`: `<folder>-shard-k-of-N`. */
export function shardFolderName(folderName: string, spec: ShardSpec): string {
  return `${folderName.replace(/[\\/]+$/, '')}-shard-${spec.index}-of-${spec.count}`
}

/** The matrix of `strategy.matrix: ${{ fromJSON(...) }}`: `{"include":[{"shard":"1/N"},…]}`. */
export function shardMatrix(count: number): { include: { shard: string }[] } {
  return {
    include: Array.from({ length: count }, (_, i) => ({
      shard: shardLabel({ index: i + 1, count }),
    })),
  }
}

/** Requests per minute and requests at once, as in the model registry. */
export const ShardRateLimitSchema = z.object({
  rpm: z.number().int().positive().optional(),
  concurrency: z.number().int().positive().optional(),
})

/** One job of the global job list. */
export const ShardJobSchema = z.object({
  /** Image number (1-based) or segment number. */
  number: z.number().int().positive(),
  /** `image` (shard by image number) or `clip` (video, shard by segment). */
  kind: z.enum(['image', 'clip']),
  /** Model alias as requested. */
  model: z.string().min(1),
  /** The seed sent for this job, or null when the stage sends none (video clips). */
  seed: z.number().int().nonnegative().nullable(),
  /** 1-based shard that makes it. */
  shard: z.number().int().positive(),
  /** Registry price of one call in USD; 0 for the preview server; null when unknown. */
  price_usd: z.number().nonnegative().nullable(),
})
export type ShardJob = z.infer<typeof ShardJobSchema>

/** A model's account limit and what each shard that uses it gets. */
export const ModelShareSchema = z.object({
  model: z.string().min(1),
  /** The registry's limit (the provider account's): undefined fields are not limited. */
  account: ShardRateLimitSchema,
  /** How many shards make jobs of this model. */
  shards_using: z.number().int().positive(),
  /** floor(account / shards_using), never below 1. */
  per_shard: ShardRateLimitSchema,
})
export type ModelShare = z.infer<typeof ModelShareSchema>

/** The shard manifest (`kamui plan`), schema version 1. */
export const ShardManifestSchema = z.object({
  schema_version: z.literal(1),
  kind: z.literal('kamui-shard-manifest'),
  /** The stage that is sharded (`image-generation-v2`, `video-generation`). */
  stage: z.string().min(1),
  /** The merged run folder (folder-name); shard k writes `<folder>-shard-k-of-N`. */
  folder_name: z.string().min(1),
  shards: z.number().int().min(1).max(MAX_SHARDS),
  /** The base seed every shard uses. */
  base_seed: z.number().int().nonnegative(),
  /** `input` (the seed input) or `drawn` (drawn by the plan, recorded here). */
  seed_source: z.enum(['input', 'drawn']),
  /** sha256 of the inputs that decide the jobs; a shard run checks it against its own. */
  request: z.string().regex(/^[0-9a-f]{64}$/),
  /** max-parallel of every shard. */
  max_parallel: z.number().int().positive(),
  /** True without mcp-config: the preview server stands in for every model. */
  preview: z.boolean(),
  jobs: z.array(ShardJobSchema).min(1),
  models: z.array(ModelShareSchema),
  shard_list: z.array(
    z.object({
      shard: z.number().int().positive(),
      /** `k/N`, the matrix value. */
      label: z.string(),
      folder: z.string().min(1),
      /** Job numbers of this shard, ascending. */
      jobs: z.array(z.number().int().positive()),
      /** Per model alias: this shard's share of the account's limits. */
      rate_limits: z.record(z.string(), ShardRateLimitSchema),
      estimated_cost_usd: z.number().nonnegative().nullable(),
    }),
  ),
  estimated_cost: z.object({
    /** Sum over every job; null when any job's price is unknown. */
    total_usd: z.number().nonnegative().nullable(),
    /** Sum over the jobs with a known price. */
    known_usd: z.number().nonnegative(),
    /** Models without a registry price (their jobs are not in known_usd). */
    unknown_price_models: z.array(z.string()),
    basis: z.string(),
  }),
  matrix: z.object({ include: z.array(z.object({ shard: z.string() })) }),
})
export type ShardManifest = z.infer<typeof ShardManifestSchema>

/** Where a shard folder keeps its shard record. */
export const SHARD_RECORD_FILE = 'metadata/shard.json'

/** `metadata/shard.json`: which shard of which run a folder holds (read by `kamui merge`). */
export const ShardRecordSchema = z.object({
  schema_version: z.literal(1),
  stage: z.string().min(1),
  shard: z.number().int().positive(),
  shards: z.number().int().min(1).max(MAX_SHARDS),
  /** The merged folder's folder-name. */
  folder_name: z.string().min(1),
  base_seed: z.number().int().nonnegative(),
  request: z.string().regex(/^[0-9a-f]{64}$/),
  /** Every job of the run (all shards), as in the manifest. */
  jobs: z.array(ShardJobSchema),
  /** Whether the shard took its seed and limits from a manifest. */
  manifest: z.boolean(),
  /** Per model alias: the limits this shard ran under. */
  rate_limits: z.record(z.string(), ShardRateLimitSchema),
})
export type ShardRecord = z.infer<typeof ShardRecordSchema>

/**
 * The `shard` and `shard-manifest` inputs of the pipeline: a shard of a pipeline run makes its
 * images only (the image stage's shard); the later stages need the primary image of the whole
 * run, so they run after `kamui merge` (the pipeline again, without image in `stages`).
 */
export const PIPELINE_SHARD_INPUTS: readonly InputSpec[] = SHARD_INPUTS.map((input) =>
  input.name === 'shard'
    ? {
        ...input,
        description:
          'Run one shard "k/N" of a sharded pipeline run (the matrix value of `kamui plan --stage ' +
          'pipeline`): only the image stage runs, making the images of shard k into ' +
          '"<folder-name>-shard-k-of-N"; the other stages are left for after `kamui merge`, which ' +
          'needs the primary image of the whole run. Needs shard-manifest. Empty: the whole pipeline.',
      }
    : input,
)
