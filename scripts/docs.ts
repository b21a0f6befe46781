/**
 * Markdown tables of a stage's inputs and outputs, rendered from its spec. The build writes
 * them into `actions/<stage>/README.md` and between `<!-- BEGIN <stage> -->` / `<!-- END <stage> -->`
 * markers of the top-level README.
 */
import type { StageCommand } from '../src/core/stage-command.js'

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

export function renderIoTables(command: StageCommand): string {
  const inputs = command.inputs.map(
    (i) =>
      `| \`${i.name}\` | ${i.required ? 'yes' : 'no'} | ${i.default ? `\`${i.default}\`` : ''} | ${cell(i.description)} |`,
  )
  const outputs = command.outputs.map((o) => `| \`${o.name}\` | ${cell(o.description)} |`)
  return [
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| output | description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n')
}

/** Replaces the text between the markers of `name` in `markdown` (unchanged when absent). */
export function replaceBetweenMarkers(markdown: string, name: string, body: string): string {
  const begin = `<!-- BEGIN ${name} -->`
  const end = `<!-- END ${name} -->`
  const start = markdown.indexOf(begin)
  const stop = markdown.indexOf(end)
  if (start < 0 || stop < start) return markdown
  return `${markdown.slice(0, start + begin.length)}\n${body}\n${markdown.slice(stop)}`
}
