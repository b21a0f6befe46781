/**
 * Entry of the `kamui` command line run from source (`node --import tsx src/cli/index.ts`, as
 * the tests do). The installed command is `bin/kamui.js`, which calls `cliMain` of the shared
 * bundle (`src/bundle.ts`, built to `dist/kamui/index.js`).
 */
import { main } from './main.js'

/* istanbul ignore next */
process.exitCode = await main(process.argv)
