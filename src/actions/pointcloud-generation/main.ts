import { pointcloudGenerationCommand } from '../../stages/pointcloud-generation/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `pointcloud-generation` action. */
export async function run(): Promise<void> {
  await runAction(pointcloudGenerationCommand)
}
