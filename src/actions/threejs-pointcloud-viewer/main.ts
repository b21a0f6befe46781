import { threejsPointcloudViewerCommand } from '../../stages/threejs-pointcloud-viewer/commands.js'
import { runAction } from '../shared/run-action.js'

/** The `threejs-pointcloud-viewer` action (legacy viewer interface, SPEC §4). */
export async function run(): Promise<void> {
  await runAction(threejsPointcloudViewerCommand)
}
