import type { StageCommand } from './core/stage-command.js'
import {
  imageGenerationCommand,
  imageGenerationV2Command,
} from './stages/image-generation/commands.js'
import { keyframesCommand } from './stages/keyframes/commands.js'
import { pipelineCommand } from './stages/pipeline/commands.js'
import { pointcloudGenerationCommand } from './stages/pointcloud-generation/commands.js'
import { threejsPointcloudViewerCommand } from './stages/threejs-pointcloud-viewer/commands.js'
import { videoGenerationCommand } from './stages/video-generation/commands.js'
import { webPlayerGenerationCommand } from './stages/web-player-generation/commands.js'
import { imageShardMerger, imageShardPlanner } from './stages/image-generation/shard-commands.js'
import { pipelineShardPlanner } from './stages/pipeline/shard-plan.js'
import { mergeCommand, planCommand } from './stages/sharding/commands.js'
import { videoShardMerger } from './stages/video-generation/merge-shards.js'
import { videoShardPlanner } from './stages/video-generation/shard.js'

/** Every stage command, in pipeline order. Each is an action folder and a `kamui` subcommand. */
export const STAGE_COMMANDS: readonly StageCommand[] = [
  imageGenerationCommand,
  imageGenerationV2Command,
  keyframesCommand,
  videoGenerationCommand,
  pointcloudGenerationCommand,
  webPlayerGenerationCommand,
  threejsPointcloudViewerCommand,
  // Sharding a run over a matrix (issue 13): each shardable stage plans and merges its own jobs.
  planCommand([imageShardPlanner, videoShardPlanner, pipelineShardPlanner]),
  mergeCommand([imageShardMerger, videoShardMerger]),
]

/** Every command with an action: the stages (actions/<stage>/) and the pipeline (the root action). */
export const ACTION_COMMANDS: readonly StageCommand[] = [...STAGE_COMMANDS, pipelineCommand]
