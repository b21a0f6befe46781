import { open, readFile, mkdir, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import {
  JOURNAL_FILE,
  JOURNAL_SCHEMA_VERSION,
  JournalLineSchema,
  type JournalCompletedLine,
  type JournalHandle,
  type JournalLine,
  type JournalOutputLine,
} from '../contracts/journal.js'
import type { Logger } from '../core/logger.js'
import type { ModelJob } from '../providers/kinds/job.js'
import type { JobCache } from './job-cache.js'
import { sha256 } from './journal-key.js'
import { latencyModelKey } from './model-latency.js'

/** Input `resume`: `auto` (default) and `true` resume from the folder's journal; `false` does not. */
export type ResumeMode = 'auto' | 'true' | 'false'

/** What a journal knows about one job key (the last of each event). */
export interface JournalJobState {
  submitted?: JournalHandle
  completed?: JournalCompletedLine
  output?: JournalOutputLine
  /** True when the last event after the last submit is `failed`. */
  failed: boolean
  /** True when a `planned` line exists (with no `submitted`: the submit's outcome is unknown). */
  planned?: boolean
  /** Model label of the last `planned` line. */
  label?: string
}

/** How the jobs of a run went: reused (no model call), resumed (stored handle), new, resubmitted. */
export interface JournalCounts {
  /** Completed jobs whose output file was present with its journalled sha256: no model call. */
  reused: number
  /** Submitted jobs of an earlier run followed with their stored handle: no new submit. */
  resumed: number
  /** Jobs submitted in this run (resubmitted ones included). */
  new: number
  /** Jobs whose stored handle could not be followed and were submitted again (in `new`). */
  resubmitted: number
}

/**
 * The job summary's sentence on a run's model jobs, e.g. `Model jobs: 2 reused (no model
 * call), 1 resumed, 3 new (1 submitted again).`
 */
export function jobCountsSentence(counts: JournalCounts): string {
  return (
    `Model jobs: ${counts.reused} reused from the run journal or the job cache (no model call), ` +
    `${counts.resumed} resumed, ${counts.new} new` +
    `${counts.resubmitted ? ` (${counts.resubmitted} submitted again)` : ''}.`
  )
}

/** A journal file as read: its whole valid lines, and what was skipped. */
export interface JournalRead {
  lines: JournalLine[]
  /** True when the file ended inside a line (a crash while writing); that part is ignored. */
  truncated: boolean
  /** Length in bytes (UTF-8) of the whole lines: where a cut-short line starts. */
  wholeBytes: number
  /** Whole lines that are not valid journal lines: 1-based line number and the reason. */
  invalid: { line: number; message: string }[]
}

/**
 * Parses journal text: every whole line (ending in `\n`) is validated with
 * `JournalLineSchema`; a last line without its newline is a write cut short by a crash and is
 * left out (`truncated`).
 */
export function parseJournal(text: string): JournalRead {
  const end = text.lastIndexOf('\n')
  const whole = end < 0 ? '' : text.slice(0, end)
  const truncated = text.length > end + 1
  const lines: JournalLine[] = []
  const invalid: JournalRead['invalid'] = []
  whole.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return
    try {
      const parsed = JournalLineSchema.safeParse(JSON.parse(raw))
      if (parsed.success) lines.push(parsed.data)
      else invalid.push({ line: i + 1, message: parsed.error.issues[0]?.message ?? 'invalid' })
    } catch (error) {
      invalid.push({ line: i + 1, message: (error as Error).message })
    }
  })
  return { lines, truncated, invalid, wholeBytes: Buffer.byteLength(text.slice(0, end + 1)) }
}

/** Options of {@link RunJournal.open}. */
export interface RunJournalOptions {
  resume: ResumeMode
  logger: Logger
  /**
   * Price of one job of a model label in US dollars, null when unknown (never 0 for unknown);
   * journalled as the job's `cost` line when it completes. Default: unknown.
   */
  priceOf?: (label: string, job?: ModelJob) => number | null
  /**
   * The runner's content-addressed cache (`job-cache.ts`): looked up before a job is
   * submitted, and filled with each output the stage records ({@link RunJournal.recordOutput})
   * and with text answers. Default: none.
   */
  cache?: JobCache
}

/**
 * The run journal of one stage folder (`{folder}/metadata/journal.jsonl`, contract in
 * `src/contracts/journal.ts`): appends one line per job event on an open handle and fsyncs it
 * before the caller goes on (appends are serialised), and answers what earlier runs of the
 * folder left for a job key (with `resume` not `false`).
 */
export class RunJournal {
  private readonly states = new Map<string, JournalJobState>()
  private readonly seeds = new Map<string, number>()
  private tail: Promise<void> = Promise.resolve()
  /** The open file, made on the first append (a run that fails its checks writes nothing). */
  private handle: FileHandle | undefined
  readonly counts: JournalCounts = { reused: 0, resumed: 0, new: 0, resubmitted: 0 }
  /** Why jobs were submitted again (a stored handle that could not be followed), for reports. */
  readonly notices: string[] = []

  private constructor(
    /** Absolute stage folder. */
    readonly folder: string,
    readonly resume: boolean,
    /** Length to cut the file to before the first append (a line cut short), or undefined. */
    private readonly truncateTo: number | undefined,
    private readonly logger: Logger,
    /** See {@link RunJournalOptions.priceOf}. */
    readonly priceOf: (label: string, job?: ModelJob) => number | null,
    /** See {@link RunJournalOptions.cache}. */
    readonly cache: JobCache | undefined,
  ) {}

  /** Job keys answered from the cache in this run (their outputs are not stored again). */
  readonly cacheHits = new Set<string>()

  /** Absolute path of the journal file. */
  get file(): string {
    return path.join(this.folder, JOURNAL_FILE)
  }

  /**
   * Opens the journal of `folder`: with `resume` other than `false` reads what it holds, up
   * to the last whole line (a warning names a truncated or invalid line). Nothing is created
   * until the first line is appended.
   *
   * @throws Error the file-system errors of reading an existing journal
   */
  static async open(folder: string, options: RunJournalOptions): Promise<RunJournal> {
    const file = path.join(folder, JOURNAL_FILE)
    const resume = options.resume !== 'false'
    const read = resume ? await readIfPresent(file) : undefined
    if (read?.truncated)
      options.logger.warn(
        `${JOURNAL_FILE}: the last line was cut short (a crash while writing); read up to the last whole line and removed the rest.`,
      )
    for (const bad of read?.invalid ?? [])
      options.logger.warn(`${JOURNAL_FILE}: line ${bad.line} ignored (${bad.message}).`)
    if (options.resume === 'true' && !read?.lines.length)
      options.logger.warn(`resume: true, but ${JOURNAL_FILE} holds no earlier job to resume.`)
    const journal = new RunJournal(
      folder,
      resume,
      // A cut-short last line is cut off, so the journal holds whole lines only again.
      read?.truncated ? read.wholeBytes : undefined,
      options.logger,
      options.priceOf ?? (() => null),
      options.cache,
    )
    for (const line of read?.lines ?? []) journal.apply(line)
    return journal
  }

  /** What earlier runs (and this one so far) recorded for `key`. */
  state(key: string): JournalJobState | undefined {
    return this.states.get(key)
  }

  /**
   * When the followed jobs of earlier runs became ready, per model (`latencyModelKey` of the
   * handle's server and first tool): their `completed` lines' `ready_after_ms` and
   * `ready_by_ms`, ms after submit. Empty with `resume: false` (nothing is read).
   */
  readyWindows(): { model: string; afterMs: number; byMs: number }[] {
    return [...this.states.values()].flatMap(({ completed }) => {
      const tool = completed?.handle.tools[0]
      if (!completed || tool === undefined || completed.ready_by_ms === undefined) return []
      const afterMs = completed.ready_after_ms ?? 0
      return [
        {
          model: latencyModelKey(completed.handle.server, tool),
          afterMs,
          byMs: completed.ready_by_ms,
        },
      ]
    })
  }

  /** The base seed an earlier run recorded for the same request (see the `run` event). */
  seedOf(request: string): number | undefined {
    return this.seeds.get(request)
  }

  /**
   * The bytes of a completed job's output when the file is present with its journalled sha256
   * (a reusable job), else undefined.
   */
  async reusable(key: string): Promise<{ bytes: Buffer; line: JournalOutputLine } | undefined> {
    const output = this.states.get(key)?.output
    if (!output) return undefined
    const bytes = await readFile(path.join(this.folder, output.file)).catch(() => undefined)
    if (!bytes || sha256(bytes) !== output.sha256) return undefined
    return { bytes, line: output }
  }

  /** Appends a line (with `v` and `at`) and fsyncs it; resolves once it is on disk. */
  append(line: DistributiveOmit<JournalLine, 'v' | 'at'>): Promise<void> {
    const full = JournalLineSchema.parse({
      v: JOURNAL_SCHEMA_VERSION,
      at: new Date().toISOString(),
      ...line,
    })
    this.apply(full)
    const write = this.tail.then(async () => {
      const handle = await this.fileHandle()
      await handle.appendFile(`${JSON.stringify(full)}\n`)
      await handle.sync()
    })
    this.tail = write.catch(() => undefined)
    return write
  }

  /**
   * Records that `file` (relative to the folder) holds output bytes of job `key`, and stores
   * the bytes in the job cache under the key (unless the job came from the cache). A file
   * already recorded for the key with the same sha256 (a job reused from the journal) is not
   * recorded again.
   */
  async recordOutput(key: string, file: string, bytes: Uint8Array): Promise<void> {
    const relative = file.split(path.sep).join('/')
    const digest = sha256(bytes)
    const known = this.states.get(key)?.output
    if (known?.file === relative && known.sha256 === digest) return
    await this.append({
      event: 'output',
      key,
      file: relative,
      sha256: digest,
      bytes: bytes.byteLength,
    })
    if (!this.cache?.enabled || this.cacheHits.has(key)) return
    const state = this.states.get(key)
    await this.cache.put(key, {
      label: state?.label ?? '',
      media: [{ bytes, mimeType: mimeTypeOf(relative) }],
      text: '',
      structured: null,
      generationMs: state?.completed?.generation_ms ?? 0,
    })
  }

  private async fileHandle(): Promise<FileHandle> {
    if (this.handle) return this.handle
    await mkdir(path.dirname(this.file), { recursive: true })
    const handle = await open(this.file, 'a')
    if (this.truncateTo !== undefined && (await stillCutShort(this.file, this.truncateTo)))
      await handle.truncate(this.truncateTo)
    this.handle = handle
    return handle
  }

  /** Waits for pending appends and closes the file. Never throws. */
  async close(): Promise<void> {
    await this.tail
    await this.handle?.close().catch((error: unknown) => {
      this.logger.debug(`${JOURNAL_FILE}: close failed (${String(error)}).`)
    })
  }

  private apply(line: JournalLine): void {
    if (line.event === 'run') {
      if (line.seed !== null) this.seeds.set(line.request, line.seed)
      return
    }
    const state = this.states.get(line.key) ?? { failed: false }
    if (line.event === 'planned') {
      state.planned = true
      state.label = line.label
    } else if (line.event === 'submitted') {
      state.submitted = line.handle
      state.failed = false
    } else if (line.event === 'completed') state.completed = line
    else if (line.event === 'output') state.output = line
    else if (line.event === 'failed') state.failed = true
    this.states.set(line.key, state)
  }
}

/** MIME types of the files stages write, by extension (`application/octet-stream` else). */
export const MIME_BY_EXTENSION: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.ply': 'application/octet-stream',
}

/** The MIME type of a file name by its extension. */
export function mimeTypeOf(file: string): string {
  return MIME_BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

/**
 * True when the file still ends in the fragment after `wholeBytes` (no newline after it):
 * another journal of the same folder (the pipeline's stages share it) may have cut it off and
 * appended whole lines since, which must not be cut.
 */
async function stillCutShort(file: string, wholeBytes: number): Promise<boolean> {
  const bytes = await readFile(file).catch(() => undefined)
  if (!bytes || bytes.byteLength <= wholeBytes) return false
  return !bytes.subarray(wholeBytes).includes(0x0a)
}

async function readIfPresent(file: string): Promise<JournalRead | undefined> {
  try {
    return parseJournal(await readFile(file, 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
