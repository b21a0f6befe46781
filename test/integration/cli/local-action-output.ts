/**
 * Reading what `@github/local-action` (7.0.1) prints.
 *
 * At the end of a run it prints a title block, then `console.table` of the outputs:
 *
 * ```
 * ================================================================================
 *                                  Action Outputs
 * ================================================================================
 *
 * ┌─────────┬───────────────────┬──────────────────────────────┐
 * │ (index) │ Output            │ Value                        │
 * ├─────────┼───────────────────┼──────────────────────────────┤
 * │ 0       │ 'image-completed' │ 'true'                       │
 * │ 1       │ 'image-urls'      │ '["preview://image/a.png"]'  │
 * └─────────┴───────────────────┴──────────────────────────────┘
 * ```
 *
 * or `No outputs were set!`. Cells are `util.inspect`ed strings: quoted with `'` (or `"` / `` ` ``
 * when the value holds a `'`), with backslash escapes.
 */

/** ANSI colour codes (chalk), in case colours were forced on. */
const ANSI_COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')

/** Thrown when the text has no "Action Outputs" section (the run never got that far). */
export class NoOutputSectionError extends Error {}

/** The outputs of the "Action Outputs" table, by name. */
export function parseLocalActionOutputs(text: string): Record<string, string> {
  const lines = text.replace(ANSI_COLOUR, '').split(/\r?\n/)
  const title = lines.findLastIndex((line) => line.trim() === 'Action Outputs')
  if (title < 0) throw new NoOutputSectionError('no "Action Outputs" section in the output')
  const outputs: Record<string, string> = {}
  let columns: { output: number; value: number } | undefined
  for (const line of lines.slice(title + 1)) {
    const trimmed = line.trim()
    if (trimmed === 'No outputs were set!') return {}
    if (!trimmed.startsWith('│')) {
      if (columns && trimmed.startsWith('└')) break
      continue
    }
    const cells = trimmed
      .slice(1, trimmed.lastIndexOf('│'))
      .split('│')
      .map((cell) => cell.trim())
    if (!columns) {
      const output = cells.indexOf('Output')
      const value = cells.indexOf('Value')
      if (output < 0 || value < 0) throw new Error(`unexpected outputs table header: ${line}`)
      columns = { output, value }
      continue
    }
    outputs[unquote(cells[columns.output] ?? '')] = unquote(cells[columns.value] ?? '')
  }
  if (!columns) throw new Error('the "Action Outputs" section has no table')
  return outputs
}

/** The `::set-output name=<name>::<value>` lines the core stub logs, by name. */
export function parseSetOutputLines(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  for (const match of text.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) {
    outputs[match[1] as string] = match[2] as string
  }
  return outputs
}

/** Undoes `util.inspect` of a string cell. */
function unquote(cell: string): string {
  const quote = cell[0]
  if (cell.length < 2 || !quote || !`'"\``.includes(quote) || !cell.endsWith(quote)) return cell
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v' }
  return cell
    .slice(1, -1)
    .replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)/g, (_, c: string) =>
      c.length > 1 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (escapes[c] ?? c),
    )
}
