import { ProgressHub } from '../runner/progress.js'
import { ProgressDisplay } from '../output/progress/display.js'
import { TerminalLine } from '../output/progress/terminal-line.js'

/** The CLI's progress: the hub handed to the stage, and how log lines are written. */
export interface CliProgress {
  hub: ProgressHub
  /** Writes one log line to stderr (above the live line on a terminal). */
  writeLine: (line: string) => void
  /** Clears the live line and unsubscribes (call before printing the outputs). */
  close: () => void
}

/**
 * Progress on the command line (issue 16 §2): on a terminal (stderr is a TTY) one live line
 * per stage redrawn in place; otherwise plain lines at a bounded rate (at most one per stage
 * every `KAMUI_PROGRESS_INTERVAL_MS`, default 10 000 ms); a closing line per stage either way.
 * `--quiet` shows none of it.
 */
export function cliProgress(
  options: { quiet?: boolean },
  env: Record<string, string | undefined>,
  /** Masks the run's secrets in what is shown (the redactor's `redact`). */
  redact: (text: string) => string = (text) => text,
  stream: NodeJS.WriteStream = process.stderr,
): CliProgress {
  const hub = new ProgressHub()
  const write = (text: string): void => void stream.write(redact(text))
  const plainLine = (line: string): void => write(`${line}\n`)
  if (options.quiet) return { hub, writeLine: plainLine, close: () => undefined }
  const tty = stream.isTTY === true
  const terminal = tty ? new TerminalLine(write, () => stream.columns) : undefined
  const interval = Number(env['KAMUI_PROGRESS_INTERVAL_MS'])
  const display = new ProgressDisplay(terminal ?? { line: plainLine }, {
    mode: tty ? 'live' : 'plain',
    ...(Number.isFinite(interval) && interval >= 0 ? { plainIntervalMs: interval } : {}),
  })
  const off = hub.subscribe(display.onEvent)
  return {
    hub,
    writeLine: terminal ? (line) => terminal.line(line) : plainLine,
    close: () => {
      off()
      display.close()
    },
  }
}
