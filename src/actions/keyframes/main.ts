import { keyframesCommand } from '../../stages/keyframes/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `keyframes` action (SPEC §6). */
export async function run(): Promise<void> {
  await runAction(keyframesCommand)
}
