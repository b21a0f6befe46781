/**
 * Entry of the `actions/image-generation-v2` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
