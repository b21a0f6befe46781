import type { OutputSpec, RawInputs } from '../../core/input-spec.js'
import type { Redactor } from '../../core/redactor.js'
import type { StageContext } from '../../core/stage-context.js'
import type { FoundShards } from '../../output/shards/shard-folders.js'
import type { ShardPlanInput } from '../../runner/shard-plan.js'
import { mergeImageShards } from './merge-shards.js'
import { v2Outputs } from './outputs.js'
import { IMAGE_SHARD_STAGE, planImageShards } from './shard.js'
import { IMAGE_GENERATION_V2_INPUTS, IMAGE_GENERATION_V2_OUTPUTS } from './spec.js'
import { imageSummaryMarkdown } from './summary.js'

/** `kamui plan --stage image-generation-v2`: the run's images, shard by image number. */
export const imageShardPlanner = {
  stage: IMAGE_SHARD_STAGE,
  inputs: IMAGE_GENERATION_V2_INPUTS,
  plan: (raw: RawInputs, context: StageContext, shards: number): Promise<ShardPlanInput> =>
    planImageShards(raw, context, shards),
}

/** `kamui merge` of image-generation-v2 shards: the v2 outputs of the merged run. */
export const imageShardMerger = {
  stage: IMAGE_SHARD_STAGE,
  outputs: IMAGE_GENERATION_V2_OUTPUTS as readonly OutputSpec[],
  async merge(
    found: FoundShards,
    target: { folder: string; workspace: string; redactor: Redactor; embedProvenance: boolean },
  ): Promise<{ outputs: Record<string, string>; summary: string }> {
    const result = await mergeImageShards(found, target)
    return {
      outputs: v2Outputs(result, target.workspace),
      summary: imageSummaryMarkdown(result),
    }
  },
}
