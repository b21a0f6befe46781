import type { InputSpec, OutputSpec, RawInputs } from '../../core/input-spec.js'
import type { Redactor } from '../../core/redactor.js'
import type { StageContext } from '../../core/stage-context.js'
import type { FoundShards } from '../../output/shards/shard-folders.js'
import type { ShardPlanInput } from '../../runner/shard-plan.js'

/**
 * How `kamui plan` plans one shardable stage. Each stage implements it in its own folder
 * (a stage never imports another), and the adapters hand the planners to the plan command.
 */
export interface ShardPlanner {
  /** The stage (action) name, the `stage` input of plan. */
  stage: string
  /** The stage's inputs (plan takes the same flags). */
  inputs: readonly InputSpec[]
  /**
   * The run's jobs and base seed from the stage's raw inputs (`seed`, else drawn).
   *
   * @throws the stage's input errors
   */
  plan(raw: RawInputs, context: StageContext, shards: number): Promise<ShardPlanInput>
}

/** Where and how a merge writes. */
export interface ShardMergeContext {
  /** Absolute merged folder. */
  folder: string
  workspace: string
  redactor: Redactor
  context: StageContext
  /** `embed-provenance`: provenance in what the merge itself writes (contact sheet, final video). */
  embedProvenance: boolean
}

/** How `kamui merge` merges the shard folders of one stage. */
export interface ShardMerger {
  stage: string
  /** The stage's outputs that a merge sets (those of the unsharded run). */
  outputs: readonly OutputSpec[]
  /**
   * Writes the merged folder and returns the outputs of the unsharded run.
   *
   * @throws KamuiError when nothing could be merged
   */
  merge(
    found: FoundShards,
    target: ShardMergeContext,
  ): Promise<{ outputs: Record<string, string>; summary?: string }>
}
