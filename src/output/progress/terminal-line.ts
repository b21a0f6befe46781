import type { ProgressReporter } from './display.js'

/** Clears the terminal line the cursor is on and returns to its start. */
const CLEAR_LINE = '\r\x1b[2K'

/**
 * A {@link ProgressReporter} for a terminal: one live line redrawn in place at the bottom,
 * and plain lines (log lines included, through {@link line}) written above it — the live
 * line is cleared first and drawn again after, so the two never tear. The live text is cut to
 * the terminal's width (a wrapped line could not be redrawn in place).
 */
export class TerminalLine implements ProgressReporter {
  private current = ''

  constructor(
    private readonly write: (text: string) => void,
    /** Terminal width in columns (default 80 when unknown). */
    private readonly columns: () => number | undefined = () => undefined,
  ) {}

  live(text: string): void {
    const columns = this.columns()
    // A pseudo-terminal without a size reports 0 columns: assume 80.
    const width = Math.max(20, (columns && columns > 0 ? columns : 80) - 1)
    this.current = [...text].length > width ? `${[...text].slice(0, width - 1).join('')}…` : text
    this.write(`${CLEAR_LINE}${this.current}`)
  }

  clearLive(): void {
    if (this.current === '') return
    this.current = ''
    this.write(CLEAR_LINE)
  }

  line(text: string): void {
    const live = this.current
    if (live) this.write(CLEAR_LINE)
    this.write(`${text}\n`)
    if (live) this.write(live)
  }
}
