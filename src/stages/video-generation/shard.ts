import { randomInt } from 'node:crypto'
import { KamuiError } from '../../core/errors.js'
import type { RawInputs } from '../../core/input-spec.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { shardLabel, type ShardManifest } from '../../contracts/shard-manifest.js'
import { loadModelRegistry, type ModelRegistry } from '../../models/registry.js'
import type { RateLimit } from '../../models/types.js'
import { DEFAULT_HOSTED_VIDEO_MODEL } from '../../providers/video/choose.js'
import { canonicalJson, sha256 } from '../../runner/journal-key.js'
import { shardRunOf, type ShardPlanInput, type ShardRun } from '../../runner/shard-plan.js'
import { givenShardManifest, runFolderName } from '../../runner/shard-record.js'
import { parseVideoInputs, type VideoGenerationInputs } from './inputs.js'
import { planFromKeyframes, type ClipPlan } from './keyframes.js'
import { VIDEO_GENERATION_INPUTS } from './spec.js'

/** The stage name recorded in manifests and shard records. */
export const VIDEO_SHARD_STAGE = 'video-generation'

/** sha256 of what decides a video run's clip jobs. */
export function videoRequestOf(inputs: VideoGenerationInputs): string {
  return sha256(
    canonicalJson({
      stage: VIDEO_SHARD_STAGE,
      prompt: inputs.prompt,
      model: inputs.model ?? null,
      keyframes: inputs.keyframes ?? null,
      segment: inputs.keyframes ? null : inputs.segmentNumber,
      duration: inputs.durationS,
      fps: inputs.fps,
      aspect: inputs.aspect?.text ?? null,
      concatenate: inputs.concatenate,
    }),
  )
}

/** The folder a run writes: `folder-name`, or `<folder-name>-shard-k-of-N` for a shard. */
export function videoFolderName(inputs: VideoGenerationInputs): string {
  return runFolderName(inputs.folderName, inputs.shard)
}

/**
 * The manifest of a shard run, when given.
 *
 * @throws KamuiError CFG_001 for a shard of keyframes streamed by the pipeline (the pipeline
 *   is not sharded); the errors of {@link givenShardManifest}
 */
export async function prepareVideoShard(
  inputs: VideoGenerationInputs,
  workspace: string,
): Promise<ShardManifest | undefined> {
  if (!inputs.shard?.shard) return undefined
  if (inputs.keyframeSegments) {
    throw new KamuiError('CFG_001', 'A video run fed by the pipeline cannot be sharded.')
  }
  return givenShardManifest(inputs.shard, workspace)
}

/** The model alias a run asks for (the default hosted model, or preview without mcp-config). */
export function videoAliasOf(inputs: VideoGenerationInputs): string {
  return inputs.model ?? (inputs.mcpConfig === undefined ? 'preview' : DEFAULT_HOSTED_VIDEO_MODEL)
}

/** The shard plan input of a video run: one clip job per segment, no seeds. */
export function videoShardInput(
  inputs: VideoGenerationInputs,
  segments: readonly number[],
  baseSeed: number,
  seedSource: 'input' | 'drawn',
  registry: ModelRegistry,
  shards: number,
): ShardPlanInput {
  const model = videoAliasOf(inputs)
  return {
    stage: VIDEO_SHARD_STAGE,
    folderName: inputs.folderName,
    shards,
    baseSeed,
    seedSource,
    request: videoRequestOf(inputs),
    maxParallel: inputs.maxParallel,
    preview: inputs.mcpConfig === undefined,
    jobs: segments.map((segment) => ({ number: segment, kind: 'clip', model, seed: null })),
    registry,
  }
}

/**
 * The shard of a video run: its segments and its share of the model's limits (checked
 * against the manifest when there is one). Video jobs take no seed: the base seed is the
 * manifest's, or 0 without one, only so that the shards of a run agree.
 *
 * @throws KamuiError SHARD_001 when the run differs from the manifest
 */
export function videoShardRun(
  inputs: VideoGenerationInputs,
  plans: readonly ClipPlan[],
  registry: ModelRegistry,
  manifest: ShardManifest | undefined,
): ShardRun | undefined {
  const spec = inputs.shard?.shard
  if (!spec) return undefined
  const segments = plans.map((p) => p.segment)
  const seed = manifest?.base_seed ?? 0
  const input = videoShardInput(inputs, segments, seed, 'input', registry, spec.count)
  return shardRunOf(input, spec, manifest)
}

/** The shard's limit for the queue, keyed by the provider's label (none for the preview). */
export function videoQueueLimits(
  shard: ShardRun | undefined,
  inputs: VideoGenerationInputs,
  provider: { label: string; preview: boolean },
): ReadonlyMap<string, RateLimit> | undefined {
  const limit = shard?.rateLimits[videoAliasOf(inputs)]
  if (!limit || provider.preview) return undefined
  return new Map([[provider.label, limit]])
}

/** The report notice of a video shard run. */
export function videoShardNotice(shard: ShardRun): string {
  const segments = [...shard.numbers].sort((a, b) => a - b).join(', ')
  return (
    `Shard ${shardLabel(shard.spec)} of a sharded run: segment(s) ${segments} of ` +
    `${shard.record.jobs.length}; join the shards with kamui merge (which also joins the clips ` +
    'when concatenate is true).'
  )
}

/**
 * `kamui plan --stage video-generation`: one job per segment of the keyframes file (or the one
 * segment of segment-number), sharded by segment.
 *
 * @throws the stage's input errors, KF_002 / VID_003 for an unusable keyframes file, CFG_003
 *   for a bad registry file
 */
export async function planVideoShards(
  raw: RawInputs,
  context: StageContext,
  shards: number,
): Promise<ShardPlanInput> {
  const inputs = parseVideoInputs(raw)
  const registry = await loadModelRegistry(context.workspace, inputs.modelRegistry)
  const segments = inputs.keyframes
    ? (
        await planFromKeyframes(
          resolveInWorkspace(context.workspace, inputs.keyframes, 'keyframes'),
          context.workspace,
          inputs.prompt,
          inputs.durationS,
        )
      ).map((p) => p.segment)
    : [inputs.segmentNumber]
  // Video jobs take no seed; one is drawn so that the manifest records a base seed as always.
  const seed = randomInt(0, 2 ** 31 - 1)
  return videoShardInput(inputs, segments, seed, 'drawn', registry, shards)
}

/** `kamui plan --stage video-generation`: the run's clips, shard by segment. */
export const videoShardPlanner = {
  stage: VIDEO_SHARD_STAGE,
  inputs: VIDEO_GENERATION_INPUTS,
  plan: planVideoShards,
}
