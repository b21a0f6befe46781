import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { SHARD_INPUTS } from '../../contracts/shard-manifest.js'
import type { ShardMerger, ShardPlanner } from './types.js'

/** The inputs of plan that are its own (the stage's inputs follow them). */
const PLAN_OWN_INPUTS: readonly InputSpec[] = [
  {
    name: 'stage',
    default: 'image-generation-v2',
    description:
      'The stage to shard: "image-generation-v2" (shards by image number), "video-generation" ' +
      '(shards by segment of a keyframes file) or "pipeline" (shards its image stage; the other ' +
      "stages run after the merge). The other inputs are that stage's inputs, exactly as the " +
      'shard jobs will get them.',
  },
  {
    name: 'shards',
    required: true,
    description:
      'Number of shards N (1–256, at most the number of jobs): the matrix gets one job per shard ' +
      '("1/N" … "N/N"), each making a contiguous block of the jobs.',
  },
  {
    name: 'manifest-file',
    default: '',
    description:
      'Where to write the shard manifest (workspace-relative). Default: ' +
      '"<folder-name>-shard-manifest.json" beside the run folder.',
  },
]

/** Names of the plan inputs that are not the stage's. */
const NOT_STAGE = new Set([
  ...PLAN_OWN_INPUTS.map((i) => i.name),
  ...SHARD_INPUTS.map((i) => i.name),
  ...PUBLISH_INPUTS.map((i) => i.name),
])

/**
 * The inputs of plan: its own, then every input of the shardable stages (first description
 * kept, prefixed with every stage that takes the input), without defaults, so that each stage's
 * parser applies its own defaults.
 */
export function planInputs(planners: readonly ShardPlanner[]): InputSpec[] {
  const seen = new Map<string, { input: InputSpec; stages: string[] }>()
  for (const planner of planners) {
    for (const input of planner.inputs) {
      if (NOT_STAGE.has(input.name)) continue
      const entry = seen.get(input.name)
      if (entry) entry.stages.push(planner.stage)
      else seen.set(input.name, { input, stages: [planner.stage] })
    }
  }
  const stageInputs = [...seen.values()].map(({ input, stages }) => ({
    name: input.name,
    description: `(${stages.join(', ')}) ${input.description}`,
    default: '',
    ...(input.secret ? { secret: true } : {}),
  }))
  return [...PLAN_OWN_INPUTS, ...stageInputs]
}

/** The outputs of plan. */
export const PLAN_OUTPUTS: readonly OutputSpec[] = [
  {
    name: 'matrix',
    description:
      'The matrix as JSON, {"include":[{"shard":"1/N"},…]}, for strategy.matrix (fromJSON of this output).',
  },
  { name: 'shard-manifest', description: 'Workspace-relative path of the shard manifest written.' },
  { name: 'shards', description: 'Number of shards N.' },
  { name: 'base-seed', description: 'The base seed every shard uses (the seed input, or drawn).' },
  { name: 'jobs', description: 'Number of jobs of the whole run.' },
  {
    name: 'estimated-cost-usd',
    description:
      'Estimated cost of the run in USD from the registry prices; empty when a model has no price.',
  },
]

/** The inputs of merge. */
export const MERGE_INPUTS: readonly InputSpec[] = [
  {
    name: 'shard-folders',
    required: true,
    description:
      'The shard folders to merge: folders or globs (e.g. "shards/run-shard-*"), separated by new ' +
      'lines or commas, workspace-relative. Order does not matter; missing or failed shards are ' +
      'reported and the merge goes on with what exists.',
  },
  {
    name: 'folder-name',
    default: '',
    description:
      'The merged run folder. Default: the folder-name the shards were run with (from their ' +
      'metadata/shard.json).',
  },
  {
    name: 'branch-name',
    default: '',
    description: 'Branch to commit the merged folder to when publish is commit.',
  },
  {
    ...PROVENANCE_INPUT,
    description: `For what the merge itself writes (the contact sheet, the joined video): ${PROVENANCE_INPUT.description}`,
  },
  ...PUBLISH_INPUTS,
]

/** The outputs of merge: its own, then those of every mergeable stage. */
export function mergeOutputs(mergers: readonly ShardMerger[]): OutputSpec[] {
  const own: OutputSpec[] = [
    { name: 'stage', description: 'The stage whose shards were merged.' },
    { name: 'folder', description: 'Workspace-relative path of the merged folder.' },
    { name: 'shards-merged', description: 'JSON array of the shard numbers merged.' },
    {
      name: 'shards-missing',
      description: 'JSON array of the shard numbers that had no folder (partial result when any).',
    },
  ]
  const seen = new Set(own.map((o) => o.name))
  for (const merger of mergers) {
    for (const output of merger.outputs) {
      if (seen.has(output.name)) continue
      seen.add(output.name)
      own.push({ name: output.name, description: `(${merger.stage}) ${output.description}` })
    }
  }
  return own
}
