/**
 * Entry of the `actions/threejs-pointcloud-viewer` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
