import type { RawInputs } from '../../core/input-spec.js'
import type { StageContext } from '../../core/stage-context.js'
import type { ShardPlanInput } from '../../runner/shard-plan.js'
import { planImageShards } from '../image-generation/shard.js'
import { parsePipelineInputs } from './inputs.js'
import { PIPELINE_INPUTS } from './spec.js'

/**
 * `kamui plan --stage pipeline`: a sharded pipeline run shards its image stage (by image
 * number); the manifest is the image stage's, made from the inputs the pipeline gives that
 * stage (the concept as the prompt, image-count, models). The other stages run after the merge.
 *
 * @throws the pipeline's input errors (IMG_009, CFG_001), the image stage's input errors
 */
export async function planPipelineShards(
  raw: RawInputs,
  context: StageContext,
  shards: number,
): Promise<ShardPlanInput> {
  const image = parsePipelineInputs(raw).image
  if ('error' in image) throw image.error
  return planImageShards(image.raw, context, shards)
}

/** The pipeline's planner for `kamui plan`. */
export const pipelineShardPlanner = {
  stage: 'pipeline',
  inputs: PIPELINE_INPUTS,
  plan: planPipelineShards,
}
