/**
 * Entry of the `actions/web-player-generation` bundle: runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
