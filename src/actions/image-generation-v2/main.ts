import { imageGenerationV2Command } from '../../stages/image-generation/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `image-generation-v2` action (SPEC §5). */
export async function run(): Promise<void> {
  await runAction(imageGenerationV2Command)
}
