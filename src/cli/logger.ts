import type { Logger } from '../core/logger.js'

/**
 * The CLI's logger: every line goes to stderr (stdout carries only the outputs), prefixed with
 * its level. `quiet` drops info and debug lines; `verbose` shows debug lines.
 */
export function stderrLogger(options: { quiet?: boolean; verbose?: boolean } = {}): Logger {
  const write = (prefix: string, message: string): void => {
    process.stderr.write(`${prefix}${message}\n`)
  }
  return {
    debug: (m) => (options.verbose ? write('debug: ', m) : undefined),
    info: (m) => (options.quiet ? undefined : write('', m)),
    warn: (m) => write('warning: ', m),
    error: (m) => write('error: ', m),
  }
}
