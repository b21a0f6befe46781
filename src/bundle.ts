/**
 * The one bundle every action and the CLI run (dist/kamui/index.js). Each action's
 * `dist/<stage>/index.js` is a two-line stub written by the build that calls
 * {@link runActionByName}; `bin/kamui.js` calls {@link cliMain}. One bundle instead of one per
 * action keeps dist/ small (codeql-action does the same).
 */
import { runAction } from './actions/shared/run-action.js'
import { main } from './cli/main.js'
import { ACTION_COMMANDS } from './commands.js'
import { KamuiError } from './core/errors.js'

/** Runs the action whose command is `name` (a stage, or `pipeline` for the root action). */
export async function runActionByName(name: string): Promise<void> {
  const command = ACTION_COMMANDS.find((c) => c.name === name)
  if (!command) throw new KamuiError('CFG_001', `No action named "${name}" in this bundle.`)
  await runAction(command)
}

/** The `kamui` command line. */
export const cliMain = main
