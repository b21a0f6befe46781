import { getExecOutput } from '@actions/exec'
import { KamuiError } from '../../core/errors.js'

/** What one git command returned. */
export interface GitOutput {
  exitCode: number
  stdout: string
  stderr: string
}

/**
 * Runs `git` with `args` (an argument array, never a shell line) in `cwd` and returns its exit
 * code and output; a non-zero exit is returned, not thrown.
 */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<GitOutput>

/**
 * Settings passed with `-c` to every git command of the publisher: no background maintenance
 * (its detached child could hold the output pipes open) and no pager or colours.
 */
const FIXED_CONFIG = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'color.ui=false']

/**
 * The default {@link GitRunner}: `@actions/exec`'s `getExecOutput`, silent, with the arguments
 * as an array (no shell).
 *
 * @param env environment of the git processes; the current process's when undefined
 * @throws KamuiError CFG_001 when git cannot be started (not installed, or `cwd` missing)
 */
export function execGitRunner(env?: Record<string, string | undefined>): GitRunner {
  const childEnv =
    env === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
        )
  return async (args, cwd) => {
    try {
      const out = await getExecOutput('git', [...FIXED_CONFIG, ...args], {
        cwd,
        silent: true,
        ignoreReturnCode: true,
        ...(childEnv ? { env: childEnv } : {}),
      })
      return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr }
    } catch (error) {
      throw new KamuiError(
        'CFG_001',
        `Could not run git in ${cwd}: publishing with commit needs git on the PATH and an existing folder.`,
        { cause: error },
      )
    }
  }
}

/** `text` with user names and passwords removed from URLs (`https://user:token@host` → `https://***@host`). */
export function stripUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@')
}
