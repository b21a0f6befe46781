import type { Command } from 'commander'
import { KamuiError, errorMessage } from '../core/errors.js'
import { fsError } from '../core/fs-errors.js'
import { formatPruneResult, formatRunStats } from '../output/ledger/format.js'
import { pruneRuns } from '../output/ledger/prune.js'
import { collectRunStats } from '../output/ledger/stats.js'

/** Where a ledger command writes: stdout for results, stderr for errors. */
export interface LedgerIo {
  out: (line: string) => void
  err: (line: string) => void
}

const processIo: LedgerIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

/**
 * Registers `kamui stats <folder> [--json]` and `kamui prune <folder> --retention-days N
 * [--cache-folder DIR] [--dry-run] [--json]` (issue 11 §6) on `program`; `setExit` receives
 * each command's exit code (0, or 1 with `CODE: message` on stderr).
 */
export function registerLedgerCommands(
  program: Command,
  setExit: (code: number) => void,
  io: LedgerIo = processIo,
): void {
  program
    .command('stats')
    .description(
      'Operating figures of every run journal (metadata/journal.jsonl) under <folder>: generations, ' +
        'success rate, failures by code, time and cost per model, local against hosted, savings.',
    )
    .argument('<folder>', 'a checkout of the results branch, docs/, or any folder of runs')
    .option('--json', 'print the figures as one JSON object')
    .action(async (folder: string, options: { json?: boolean }) => {
      setExit(
        await guarded(io, async () => {
          const stats = await collectRunStats(folder)
          if (options.json) io.out(JSON.stringify(stats, null, 2))
          else formatRunStats(stats).forEach((line) => io.out(line))
        }),
      )
    })
  program
    .command('prune')
    .description(
      'Remove run folders under <folder> whose last activity is older than the retention, and ' +
        'cache entries made before it; a run folder written to within the retention is never removed.',
    )
    .argument('<folder>', 'the folder of runs')
    .requiredOption('--retention-days <days>', 'keep what is younger than this many days')
    .option('--cache-folder <folder>', 'prune this cache folder (cache-folder) too')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print the result as one JSON object')
    .action(async (folder: string, options: PruneFlags) => {
      setExit(
        await guarded(io, async () => {
          const result = await pruneRuns(folder, {
            retentionDays: Number(options.retentionDays),
            dryRun: options.dryRun === true,
            ...(options.cacheFolder ? { cacheFolder: options.cacheFolder } : {}),
          })
          if (options.json) io.out(JSON.stringify(result, null, 2))
          else formatPruneResult(result).forEach((line) => io.out(line))
        }),
      )
    })
}

interface PruneFlags {
  retentionDays: string
  cacheFolder?: string
  dryRun?: boolean
  json?: boolean
}

async function guarded(io: LedgerIo, work: () => Promise<void>): Promise<number> {
  try {
    await work()
    return 0
  } catch (error) {
    const coded = fsError(error)
    io.err(coded instanceof KamuiError ? coded.message : `GEN_001: ${errorMessage(coded)}`)
    return 1
  }
}
