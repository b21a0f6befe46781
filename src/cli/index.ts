/**
 * Entry of the `kamui` command line (bundled to dist/cli/index.js).
 */
import { main } from './main.js'

/* istanbul ignore next */
process.exitCode = await main(process.argv)
