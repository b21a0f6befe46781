import { imageGenerationCommand } from '../../stages/image-generation/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `image-generation` action (legacy v1 interface, SPEC §4). */
export async function run(): Promise<void> {
  await runAction(imageGenerationCommand)
}
