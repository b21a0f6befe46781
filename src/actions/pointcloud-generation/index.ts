/**
 * Entry of the `actions/pointcloud-generation` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
