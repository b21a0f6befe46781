import type { StageCommand } from '../../core/stage-command.js'
import { runMerge } from './merge.js'
import { planOutputs, planSummaryMarkdown, runPlan } from './plan.js'
import { MERGE_INPUTS, PLAN_OUTPUTS, mergeOutputs, planInputs } from './spec.js'
import type { ShardMerger, ShardPlanner } from './types.js'

/**
 * `plan` (action and `kamui plan`): the shard manifest and matrix of a stage's run. The
 * adapters pass the planners of the shardable stages (each stage plans its own jobs).
 */
export function planCommand(planners: readonly ShardPlanner[]): StageCommand {
  return {
    name: 'plan',
    description:
      'Plan a sharded run: a shard manifest (base seed, every job with its shard, per-shard rate limits, estimated cost) and the matrix JSON for strategy.matrix.',
    inputs: planInputs(planners),
    outputs: PLAN_OUTPUTS,
    async run(raw, context) {
      const result = await runPlan(raw, context, planners)
      return {
        outputs: planOutputs(result, context.workspace),
        summary: planSummaryMarkdown(result),
      }
    },
  }
}

/**
 * `merge` (action and `kamui merge`): joins the shard folders of a run into the folder the
 * unsharded run would have written. The adapters pass the mergers of the shardable stages.
 */
export function mergeCommand(mergers: readonly ShardMerger[]): StageCommand {
  return {
    name: 'merge',
    description:
      'Merge the shard folders of a sharded run into one run folder, as the unsharded run would have written it.',
    inputs: MERGE_INPUTS,
    outputs: mergeOutputs(mergers),
    async run(raw, context) {
      const result = await runMerge(raw, context, mergers)
      return {
        outputs: result.outputs,
        ...(result.summary !== undefined ? { summary: result.summary } : {}),
        folder: result.folder,
      }
    },
  }
}
