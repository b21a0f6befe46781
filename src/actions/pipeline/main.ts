import { pipelineCommand } from '../../stages/pipeline/commands.js'
import { runAction } from '../shared/run-action.js'

/** The root action: the whole pipeline (SPEC §2). */
export async function run(): Promise<void> {
  await runAction(pipelineCommand)
}
