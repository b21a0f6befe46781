import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { JournalLine } from '../../contracts/journal.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { parseJournal } from '../../runner/journal.js'
import { findJournals } from './walk.js'

/**
 * The ledger across runs (issue 11 §6): operating figures read from every run journal
 * (`metadata/journal.jsonl`, contract `src/contracts/journal.ts`) under a folder — a checkout of
 * the results branch, or `docs/`. `kamui stats` prints them; the runs dashboard draws them.
 *
 * Counting rules (every figure comes from journal lines, nothing is estimated):
 * - a **generation** is a job outcome at a provider: one `completed` or one `failed` line;
 *   success rate = completed / (completed + failed), null when there are none;
 * - a job's **model** is the label of its `planned` line (`segment 2 (svd)` counts as `svd`);
 * - **where** it ran: `comfyui` jobs are local, MCP jobs on the embedded preview server
 *   (`kamui-preview`) are preview, other MCP jobs hosted (a self-hosted MCP server counts as
 *   hosted: the journal does not say where an MCP server runs);
 * - **generation time** is `generation_ms` of completed jobs submitted by that run; jobs
 *   resumed from an earlier run's handle are left out of the time figures (their clock started
 *   at the re-attach, not the submit); p95 is the nearest-rank 95th percentile;
 * - **cost** sums the `cost` lines (US dollars); a job whose price is unknown (`usd: null`)
 *   makes the sum unknown (`usd: null`) while `knownUsd` keeps what is known — never 0 for
 *   unknown;
 * - **savings**: jobs resumed with a stored handle (`submitted` with `resumed: true`: no second
 *   submit; their cost counts, it was paid once) and jobs answered without a model call
 *   (`reused` lines: from the folder's journal or from the job cache); what the latter saved is
 *   the price and generation time journalled for the same job key where it was made, in any
 *   journal read (unknown price when none says).
 */

/** A sum of US-dollar prices where some may be unknown. */
export interface CostFigure {
  /** Total in US dollars, or null when any counted job's price is unknown. */
  usd: number | null
  /** Sum of the known prices, US dollars. */
  knownUsd: number
  /** Jobs with a known price. */
  pricedJobs: number
  /** Jobs whose price is unknown (`usd: null` in the journal). */
  unknownJobs: number
}

/** Where a model ran. */
export type Placement = 'local' | 'hosted' | 'preview'

/** Figures of one model. */
export interface ModelStats {
  model: string
  /** Where its jobs ran (the first seen; a model alias does not change provider). */
  placement: Placement
  completed: number
  failed: number
  /** completed / (completed + failed), or null. */
  successRate: number | null
  /** Completed jobs timed (resumed ones are not). */
  timedJobs: number
  /** Mean generation time, ms, or null without timed jobs. */
  meanMs: number | null
  /** Nearest-rank 95th percentile of the generation time, ms, or null. */
  p95Ms: number | null
  cost: CostFigure
}

/** What was saved: no second submit (resumed), no model call at all (reused, cache). */
export interface SavingsStats {
  /** Jobs followed with the handle an earlier run stored instead of being submitted again. */
  resumedJobs: number
  /** Cost of the resumed jobs: what a second submit would have cost. */
  resumedCost: CostFigure
  /** Jobs answered from the journal's output files or the cache (`reused` lines). */
  reusedJobs: number
  /** Of {@link reusedJobs}, those answered from the content-addressed cache. */
  cacheHits: number
  /** Cost of the reused jobs when they were first made, where the journals say. */
  reusedCost: CostFigure
  /**
   * Model time the reused jobs took where they were made (their `generation_ms` in any journal
   * read; a job made outside the folder counts 0), ms.
   */
  savedMs: number
}

/** The ledger of every journal under a folder. */
export interface RunStats {
  /** Schema version of this object (the `--json` output). */
  version: 1
  /** Journals read, relative to the root, `/`-separated, sorted. */
  journals: string[]
  /** Stage runs (`run` lines). */
  runs: number
  /** Distinct jobs (journal × job key). */
  jobs: number
  generations: {
    /** completed + failed. */
    total: number
    completed: number
    failed: number
    successRate: number | null
  }
  /** Failed generations by error code, codes sorted. */
  failuresByCode: Record<string, number>
  /** Per model, sorted by name. */
  models: ModelStats[]
  /** Completed generations by where they ran; `localShare` = local / (local + hosted) or null. */
  placement: { local: number; hosted: number; preview: number; localShare: number | null }
  /** Cost of all completed jobs. */
  cost: CostFigure
  savings: SavingsStats
  /** Lines skipped (cut short, invalid), per journal: the reader's warnings. */
  warnings: string[]
}

/** One job's facts gathered from one journal. */
interface JobFacts {
  model: string
  placement: Placement | undefined
  resumed: boolean
}

/** Figures being summed. */
class Tally {
  runs = 0
  jobs = 0
  completed = 0
  failed = 0
  readonly codes = new Map<string, number>()
  readonly models = new Map<string, ModelTally>()
  readonly placement = { local: 0, hosted: 0, preview: 0 }
  readonly cost = new CostTally()
  resumedJobs = 0
  readonly resumedCost = new CostTally()
  reusedJobs = 0
  cacheHits = 0
  /** Keys answered without a model call, priced after every journal is read. */
  readonly reusedKeys: string[] = []
  /** Price of each job key where it was made (not a cache hit), over every journal. */
  readonly priceOfKey = new Map<string, number | null>()
  /** Generation time of each job key where it was made (submitted in that run), ms. */
  readonly timeOfKey = new Map<string, number>()

  model(name: string, placement: Placement | undefined): ModelTally {
    let m = this.models.get(name)
    if (!m) {
      m = new ModelTally(name, placement ?? 'hosted')
      this.models.set(name, m)
    }
    return m
  }
}

class ModelTally {
  completed = 0
  failed = 0
  readonly times: number[] = []
  readonly cost = new CostTally()
  constructor(
    readonly name: string,
    readonly placement: Placement,
  ) {}
}

class CostTally {
  known = 0
  priced = 0
  unknown = 0
  add(usd: number | null): void {
    if (usd === null) this.unknown++
    else {
      this.known += usd
      this.priced++
    }
  }
  figure(): CostFigure {
    const knownUsd = roundUsd(this.known)
    return {
      usd: this.unknown > 0 ? null : knownUsd,
      knownUsd,
      pricedJobs: this.priced,
      unknownJobs: this.unknown,
    }
  }
}

/**
 * Reads every `metadata/journal.jsonl` under `root` (symbolic links are not followed;
 * `node_modules` and `.git` are skipped) and sums the figures of {@link RunStats}.
 *
 * @param root absolute or relative folder
 * @throws Error the file-system errors of reading `root` itself (ENOENT, ENOTDIR)
 */
export async function collectRunStats(root: string): Promise<RunStats> {
  const files = await findJournals(root)
  const tally = new Tally()
  const warnings: string[] = []
  const journals: string[] = []
  for (const file of files) {
    const relative = path.relative(root, file).split(path.sep).join('/')
    journals.push(relative)
    const read = parseJournal(await readFile(file, 'utf8'))
    if (read.truncated) warnings.push(`${relative}: the last line was cut short; ignored.`)
    for (const bad of read.invalid)
      warnings.push(`${relative}: line ${bad.line} ignored (${bad.message}).`)
    addJournal(tally, read.lines)
  }
  return toStats(tally, journals, warnings)
}

/** Adds the lines of one journal. Job facts are per journal: keys repeat across folders. */
function addJournal(tally: Tally, lines: readonly JournalLine[]): void {
  const jobs = new Map<string, JobFacts>()
  const facts = (key: string): JobFacts => {
    let f = jobs.get(key)
    if (!f) {
      f = { model: 'unknown', placement: undefined, resumed: false }
      jobs.set(key, f)
      tally.jobs++
    }
    return f
  }
  for (const line of lines) {
    if (line.event === 'run') {
      tally.runs++
      continue
    }
    const job = facts(line.key)
    addLine(tally, line, job)
  }
}

function addLine(tally: Tally, line: Exclude<JournalLine, { event: 'run' }>, job: JobFacts): void {
  switch (line.event) {
    case 'planned':
      job.model = modelOf(line.label)
      job.placement = line.label.startsWith('preview')
        ? 'preview'
        : placementOf(line.provider, undefined)
      job.resumed = false
      return
    case 'submitted':
      job.placement = placementOf(line.handle.provider, line.handle.server)
      job.resumed = line.resumed
      if (line.resumed) tally.resumedJobs++
      return
    case 'completed':
      if (!job.resumed) tally.timeOfKey.set(line.key, line.generation_ms)
      return completedLine(tally, job, line.generation_ms)
    case 'failed':
      tally.model(job.model, job.placement).failed++
      tally.failed++
      tally.codes.set(line.code, (tally.codes.get(line.code) ?? 0) + 1)
      return
    case 'cost':
      tally.model(job.model, job.placement).cost.add(line.usd)
      tally.cost.add(line.usd)
      tally.priceOfKey.set(line.key, line.usd)
      if (job.resumed) tally.resumedCost.add(line.usd)
      return
    case 'reused':
      tally.reusedJobs++
      tally.reusedKeys.push(line.key)
      if (line.source === 'cache') tally.cacheHits++
      return
    default:
      return
  }
}

function completedLine(tally: Tally, job: JobFacts, generationMs: number): void {
  const model = tally.model(job.model, job.placement)
  model.completed++
  tally.completed++
  tally.placement[job.placement ?? 'hosted']++
  if (!job.resumed) model.times.push(generationMs)
}

function toStats(tally: Tally, journals: string[], warnings: string[]): RunStats {
  const { local, hosted, preview } = tally.placement
  return {
    version: 1,
    journals,
    runs: tally.runs,
    jobs: tally.jobs,
    generations: {
      total: tally.completed + tally.failed,
      completed: tally.completed,
      failed: tally.failed,
      successRate: rate(tally.completed, tally.failed),
    },
    failuresByCode: Object.fromEntries([...tally.codes].sort(([a], [b]) => a.localeCompare(b))),
    models: [...tally.models.values()].sort((a, b) => a.name.localeCompare(b.name)).map(modelStats),
    placement: { local, hosted, preview, localShare: share(local, local + hosted) },
    cost: tally.cost.figure(),
    savings: {
      resumedJobs: tally.resumedJobs,
      resumedCost: tally.resumedCost.figure(),
      reusedJobs: tally.reusedJobs,
      cacheHits: tally.cacheHits,
      reusedCost: reusedCost(tally),
      savedMs: tally.reusedKeys.reduce((sum, key) => sum + (tally.timeOfKey.get(key) ?? 0), 0),
    },
    warnings,
  }
}

/** What the reused jobs cost where they were made (unknown when no journal read says). */
function reusedCost(tally: Tally): CostFigure {
  const cost = new CostTally()
  for (const key of tally.reusedKeys) cost.add(tally.priceOfKey.get(key) ?? null)
  return cost.figure()
}

function modelStats(m: ModelTally): ModelStats {
  const times = [...m.times].sort((a, b) => a - b)
  return {
    model: m.name,
    placement: m.placement,
    completed: m.completed,
    failed: m.failed,
    successRate: rate(m.completed, m.failed),
    timedJobs: times.length,
    meanMs: times.length ? Math.round(times.reduce((s, t) => s + t, 0) / times.length) : null,
    p95Ms: percentile(times, 0.95),
    cost: m.cost.figure(),
  }
}

/**
 * Nearest-rank percentile of sorted values: the value at rank ⌈p·n⌉, or null for none.
 *
 * @example percentile([1, 2, 3, 4], 0.95) // 4
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)))
  return sorted[rank - 1] ?? null
}

/**
 * The model of a job label: the text in the last parentheses (`segment 2 (svd)` → `svd`,
 * `image 3 (flux)` → `flux`), else the label itself (image jobs are labelled with the model).
 * A heuristic over the labels the providers write.
 */
export function modelOf(label: string): string {
  const inner = /\(([^()]+)\)\s*$/.exec(label)
  return (inner?.[1] ?? label).trim() || 'unknown'
}

function placementOf(provider: 'mcp' | 'comfyui', server: string | undefined): Placement {
  if (provider === 'comfyui') return 'local'
  return server === PREVIEW_SERVER_KEY ? 'preview' : 'hosted'
}

function rate(completed: number, failed: number): number | null {
  return share(completed, completed + failed)
}

function share(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10000) / 10000
}

/** Rounds to a millionth of a dollar (sums of binary floats). */
function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6
}
