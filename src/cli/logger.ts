import type { Logger } from '../core/logger.js'

/**
 * The CLI's logger: every line goes to stderr (stdout carries only the outputs), prefixed with
 * its level. `quiet` drops info and debug lines; `verbose` shows debug lines. On a terminal
 * the lines go through the progress display, above its live line (`src/cli/progress.ts`).
 */
export function stderrLogger(
  options: { quiet?: boolean; verbose?: boolean } = {},
  /** Writes one line (default: to stderr); the progress display's, above its live line. */
  writeLine: (line: string) => void = (line) => void process.stderr.write(`${line}\n`),
): Logger {
  const write = (prefix: string, message: string): void => {
    writeLine(`${prefix}${message}`)
  }
  return {
    debug: (m) => (options.verbose ? write('debug: ', m) : undefined),
    info: (m) => (options.quiet ? undefined : write('', m)),
    warn: (m) => write('warning: ', m),
    error: (m) => write('error: ', m),
  }
}
