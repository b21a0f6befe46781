import type { StageCommand } from './core/stage-command.js'
import {
  imageGenerationCommand,
  imageGenerationV2Command,
} from './stages/image-generation/commands.js'

/** Every stage command, in pipeline order. Each is an action folder and a `kamui` subcommand. */
export const STAGE_COMMANDS: readonly StageCommand[] = [
  imageGenerationCommand,
  imageGenerationV2Command,
]
