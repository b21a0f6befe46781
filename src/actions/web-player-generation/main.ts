import { webPlayerGenerationCommand } from '../../stages/web-player-generation/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `web-player-generation` action (SPEC §4, §6). */
export async function run(): Promise<void> {
  await runAction(webPlayerGenerationCommand)
}
