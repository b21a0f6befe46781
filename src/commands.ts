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

/** Every stage command, in pipeline order. Each is an action folder and a `kamui` subcommand. */
export const STAGE_COMMANDS: readonly StageCommand[] = [
  imageGenerationCommand,
  imageGenerationV2Command,
  keyframesCommand,
  videoGenerationCommand,
  pointcloudGenerationCommand,
  webPlayerGenerationCommand,
  threejsPointcloudViewerCommand,
]

/** Every command with an action: the stages (actions/<stage>/) and the pipeline (the root action). */
export const ACTION_COMMANDS: readonly StageCommand[] = [...STAGE_COMMANDS, pipelineCommand]
