import { spawn } from 'node:child_process'
import { expect } from 'vitest'
import { readFile } from 'node:fs/promises'
import { parseJournal } from '../../src/runner/journal.js'
import type { JournalLine } from '../../src/contracts/journal.js'
import { KAMUI_CLI_ENTRY, TSX_LOADER_URL } from './run-kamui.js'

/** The whole lines of a journal file ([] when absent). */
export async function journalLines(file: string): Promise<JournalLine[]> {
  return parseJournal(await readFile(file, 'utf8').catch(() => '')).lines
}

/** Lines of `event` in a journal. */
export function linesOf<E extends JournalLine['event']>(
  lines: readonly JournalLine[],
  event: E,
): Extract<JournalLine, { event: E }>[] {
  return lines.filter((l): l is Extract<JournalLine, { event: E }> => l.event === event)
}

/**
 * Checks a re-run after a kill: of its journal lines (`rerun`, those it added), none plans or
 * submits a job of `madeKeys` (the outputs journalled before the kill) again, and exactly those
 * jobs are reused from the journal.
 */
export function expectReusedFromJournal(
  rerun: readonly JournalLine[],
  madeKeys: ReadonlySet<string>,
): void {
  expect(
    rerun.filter((l) => (l.event === 'planned' || l.event === 'submitted') && madeKeys.has(l.key)),
  ).toEqual([])
  expect(
    linesOf(rerun, 'reused')
      .filter((l) => l.source === 'journal')
      .map((l) => l.key)
      .sort(),
  ).toEqual([...madeKeys].sort())
}

/**
 * Whether the journal at `file` holds at least `count` `submitted` lines (the run journalled
 * the request ids of that many submits).
 */
export async function journalledSubmits(file: string, count: number): Promise<boolean> {
  return linesOf(await journalLines(file), 'submitted').length >= count
}

/**
 * Runs the `kamui` CLI as a child process and SIGKILLs it as soon as `killWhen` answers true
 * (checked every 25 ms). Fails when the CLI exits first or `timeoutMs` passes.
 */
export async function runAndKill(
  args: readonly string[],
  options: {
    cwd: string
    env?: Record<string, string>
    killWhen: () => Promise<boolean>
    timeoutMs?: number
  },
): Promise<void> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER_URL, KAMUI_CLI_ENTRY, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  let exited = false
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      exited = true
      resolve()
    }),
  )
  const started = Date.now()
  try {
    while (!(await options.killWhen())) {
      if (exited) throw new Error(`the run ended before it was killed:\n${stderr}`)
      if (Date.now() - started > (options.timeoutMs ?? 90_000))
        throw new Error(`the kill condition never held:\n${stderr}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  } finally {
    child.kill('SIGKILL')
    await closed
  }
}
