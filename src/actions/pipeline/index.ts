/**
 * Entry of the `dist/pipeline` bundle (the root action.yml): runs the action.
 */
import { run } from './main.js'

/* istanbul ignore next */
await run()
