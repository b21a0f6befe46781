import { videoGenerationCommand } from '../../stages/video-generation/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `video-generation` action. */
export async function run(): Promise<void> {
  await runAction(videoGenerationCommand)
}
