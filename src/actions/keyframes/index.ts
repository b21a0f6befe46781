/**
 * Entry of the `actions/keyframes` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
