/**
 * Entry of the `actions/video-generation` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
