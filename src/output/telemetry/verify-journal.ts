import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { JOURNAL_FILE, type JournalOutputLine } from '../../contracts/journal.js'
import { parseJournal } from '../../runner/journal.js'
import { sha256 } from '../../runner/journal-key.js'

/**
 * Checks the run journal of a stage folder (`{stageFolder}/metadata/journal.jsonl`, contract
 * `src/contracts/journal.ts`) when there is one: every line valid, the file ending in a whole
 * line, and for each output file the last `output` line naming it matching the file on disk
 * (sha256; a later job may have rewritten the file, so only the last one counts).
 *
 * @returns one problem per finding, `line N: reason` or `output <file>: reason`; empty when
 *   the journal is absent or sound
 */
export async function journalProblems(stageFolder: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(path.join(stageFolder, JOURNAL_FILE), 'utf8')
  } catch {
    return []
  }
  const read = parseJournal(text)
  const problems = read.invalid.map((bad) => `line ${bad.line}: ${bad.message}`)
  if (read.truncated) problems.push('the last line is cut short (a crash while writing)')
  const lastOutput = new Map<string, JournalOutputLine>()
  for (const line of read.lines) if (line.event === 'output') lastOutput.set(line.file, line)
  for (const [file, line] of lastOutput) {
    const bytes = await readFile(path.join(stageFolder, file)).catch(() => undefined)
    if (!bytes) problems.push(`output ${file}: missing`)
    else if (sha256(bytes) !== line.sha256)
      problems.push(
        `output ${file}: sha256 ${sha256(bytes)} does not match the journal's ${line.sha256}`,
      )
  }
  return problems
}
