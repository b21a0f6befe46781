import { randomInt } from 'node:crypto'
import { KamuiError } from '../../core/errors.js'
import type { RawInputs } from '../../core/input-spec.js'
import type { StageContext } from '../../core/stage-context.js'
import { shardLabel, type ShardManifest } from '../../contracts/shard-manifest.js'
import { autoSelectModel } from '../../models/auto-select.js'
import { loadModelRegistry, type ModelRegistry } from '../../models/registry.js'
import type { RateLimit } from '../../models/types.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import { canonicalJson, sha256 } from '../../runner/journal-key.js'
import {
  shardRunOf,
  type PlannedShardJob,
  type ShardPlanInput,
  type ShardRun,
} from '../../runner/shard-plan.js'
import { givenShardManifest, runFolderName } from '../../runner/shard-record.js'
import type { ImageGenerationInputs } from './inputs.js'
import { parseV2Inputs } from './inputs.js'
import { planImages, type PlannedImage } from './plan.js'

/** Writes `metadata/shard.json` of a shard run (shared with the video stage). */
export { writeShardRecord } from '../../runner/shard-record.js'

/** The stage name recorded in manifests and shard records. */
export const IMAGE_SHARD_STAGE = 'image-generation-v2'

/**
 * sha256 of what decides a run's jobs (prompt as given, models, count, size, strategy): the
 * journal's request of a run, and the request a shard manifest is checked against.
 */
export function imageRequestOf(inputs: ImageGenerationInputs): string {
  return sha256(
    canonicalJson({
      stage: inputs.legacyV1 ? 'image-generation' : 'image-generation-v2',
      prompt: inputs.prompt,
      models: inputs.models,
      count: inputs.imageCount,
      size: [inputs.width, inputs.height],
      strategy: inputs.strategy,
    }),
  )
}

/** The folder a run writes: `folder-name`, or `<folder-name>-shard-k-of-N` for a shard. */
export function imageFolderName(inputs: ImageGenerationInputs): string {
  return runFolderName(inputs.folderName, inputs.shard)
}

/**
 * Before anything else of a shard run: its manifest (when given), and the base seed every
 * shard must share (the `seed` input, else the manifest's).
 *
 * @returns the inputs with `seed` set, and the manifest
 * @throws KamuiError CFG_001 for a shard without seed or manifest, or with strategy sequential
 *   (each image's model depends on the previous image's score: it cannot be split); the
 *   errors of {@link givenShardManifest}
 */
export async function prepareImageShard(
  inputs: ImageGenerationInputs,
  workspace: string,
): Promise<{ inputs: ImageGenerationInputs; manifest: ShardManifest | undefined }> {
  const spec = inputs.shard?.shard
  if (!spec) return { inputs, manifest: undefined }
  if (inputs.strategy === 'sequential') {
    throw new KamuiError(
      'CFG_001',
      'generation-strategy sequential cannot be sharded: each image takes its model from the ' +
        "previous image's score. Use parallel or smart with shard.",
    )
  }
  const manifest = await givenShardManifest(inputs.shard, workspace)
  const seed = inputs.seed ?? manifest?.base_seed
  if (seed === undefined) {
    throw new KamuiError(
      'CFG_001',
      `shard ${shardLabel(spec)} needs the run's base seed: give shard-manifest (from kamui plan) ` +
        'or the same seed to every shard.',
    )
  }
  return { inputs: { ...inputs, seed }, manifest }
}

/** The jobs of an image run as the shard plan sees them. */
export function imageShardJobs(plan: readonly PlannedImage[]): PlannedShardJob[] {
  return plan.map((p) => ({ number: p.index, kind: 'image', model: p.model, seed: p.seed }))
}

/** What {@link imageShardInput} plans from. */
interface ImagePlanSource {
  inputs: ImageGenerationInputs
  models: readonly string[]
  baseSeed: number
  seedSource: 'input' | 'drawn'
  registry: ModelRegistry
}

/** The shard plan input of an image run. */
export function imageShardInput(source: ImagePlanSource, shards: number): ShardPlanInput {
  const { inputs } = source
  return {
    stage: IMAGE_SHARD_STAGE,
    folderName: inputs.folderName,
    shards,
    baseSeed: source.baseSeed,
    seedSource: source.seedSource,
    request: imageRequestOf(inputs),
    maxParallel: inputs.strategy === 'sequential' ? 1 : inputs.maxParallel,
    preview: inputs.mcpConfig === undefined,
    jobs: imageShardJobs(planImages(inputs.imageCount, source.models, source.baseSeed)),
    registry: source.registry,
  }
}

/**
 * The shard of a run: its images (by image number) and its share of each model's limits,
 * checked against the manifest when there is one.
 *
 * @throws KamuiError SHARD_001 when the run differs from the manifest
 */
export function imageShardRun(
  inputs: ImageGenerationInputs,
  models: readonly ResolvedModel[],
  baseSeed: number,
  registry: ModelRegistry,
  manifest: ShardManifest | undefined,
): ShardRun | undefined {
  const spec = inputs.shard?.shard
  if (!spec) return undefined
  const source = {
    inputs,
    models: models.map((m) => m.requested),
    baseSeed,
    seedSource: 'input' as const,
    registry,
  }
  return shardRunOf(imageShardInput(source, spec.count), spec, manifest)
}

/** The shard's limits keyed by the label the generation queue sees (preview stand-ins keep none). */
export function shardQueueLimits(
  shard: ShardRun | undefined,
  models: readonly ResolvedModel[],
): ReadonlyMap<string, RateLimit> | undefined {
  if (!shard) return undefined
  const limits = new Map<string, RateLimit>()
  for (const model of models) {
    const limit = shard.rateLimits[model.requested]
    if (limit && !model.preview) limits.set(model.label, limit)
  }
  return limits
}

/** The report notice of a shard run. */
export function shardNotice(shard: ShardRun, smart: boolean): string {
  const numbers = [...shard.numbers].sort((a, b) => a - b).join(', ')
  return (
    `Shard ${shardLabel(shard.spec)} of a sharded run (base seed ${shard.record.base_seed}): images ` +
    `${numbers} of ${shard.record.jobs.length}; join the shards with kamui merge.` +
    (smart ? ' Regeneration (strategy smart) is decided within this shard.' : '')
  )
}

/**
 * `kamui plan` for image-generation-v2: the run's jobs from its inputs (`models: auto` picks
 * from the prompt as given: a run that translates or enhances the prompt first may pick
 * another model, which its shards then report as SHARD_001) and a base seed (`seed`, else
 * drawn here and recorded in the manifest).
 *
 * @throws the input errors of the stage (IMG_001, IMG_009, CFG_001), IMG_002 for an unknown
 *   model, CFG_003 for a bad registry file
 */
export async function planImageShards(
  raw: RawInputs,
  context: StageContext,
  shards: number,
): Promise<ShardPlanInput> {
  const inputs = parseV2Inputs(raw)
  const registry = await loadModelRegistry(context.workspace, inputs.modelRegistry)
  const models = inputs.models === 'auto' ? [autoSelectModel(inputs.prompt)] : inputs.models
  for (const alias of models) registry.get(alias, 'image')
  const seedSource = inputs.seed === undefined ? 'drawn' : 'input'
  const baseSeed = inputs.seed ?? randomInt(0, 2 ** 31 - 1)
  return imageShardInput({ inputs, models, baseSeed, seedSource, registry }, shards)
}
