import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '../core/atomic-write.js'
import { errorMessage } from '../core/errors.js'
import type { Logger } from '../core/logger.js'
import { sha256 } from './journal-key.js'

/**
 * The content-addressed result cache of the runner (SPEC §9, issue 11): results stored under
 * a key (a model job's job key, `journal-key.ts`, or a stage's own step key) in `cache-folder`,
 * kept for a time to live, so that an identical job in any stage or any run is answered from
 * disk at $0 with no model call. The cache is an optimisation: an unreadable, corrupt or
 * expired entry is a miss, and a failed write is a warning.
 *
 * Layout: `<folder>/<namespace>/<first two hex digits of the key>/<key>.json` (the entry: the
 * value, the sha256 and size of each file, the time it was made) and its files beside it,
 * `<key>.<n><extension>`. Every file is written atomically (temporary file, then rename) and
 * the JSON last, so an entry exists only once complete; on read each file is checked against
 * its sha256. Model jobs use the namespace `jobs`; the keyframes stage keeps its step entries
 * (`story`, `enhancement`, `render`) in the same store.
 */

/** Bumped when the meaning of cached entries changes: older entries are then never hit. */
export const JOB_CACHE_FORMAT_VERSION = 2

/** The namespace of model jobs (keyed by job key). */
export const JOBS_NAMESPACE = 'jobs'

/** One stored file of an entry. */
interface EntryFile {
  /** File name beside the entry JSON. */
  name: string
  sha256: string
  /** Size, bytes. */
  bytes: number
  mimeType: string
}

interface Entry<T> {
  version: number
  namespace: string
  key: string
  created_at: string
  value: T
  files: EntryFile[]
}

/** A file of a cache entry as read (verified against its sha256) or to be written. */
export interface CacheFile {
  bytes: Uint8Array
  /** MIME type (`image/png`, `video/mp4`, …); decides the file extension. */
  mimeType: string
}

/** What a lookup found. */
export type CacheRead<T> =
  | { status: 'hit'; value: T; files: CacheFile[]; createdAt: string }
  | { status: 'miss' }
  | { status: 'expired' }

/** Options of a lookup. */
export interface CacheLookupOptions {
  /** Time to live, ms (default: no limit). An older entry is `expired`. */
  ttlMs?: number
  /** The clock, ms since the epoch (tests). */
  now?: () => number
  /** Namespace (default {@link JOBS_NAMESPACE}). */
  namespace?: string
}

/**
 * Reads the entry `key` of `namespace` in `folder`: `hit` with its value and files when the
 * entry is complete, of this format, younger than the TTL and every file matches its sha256;
 * `expired` when older; `miss` otherwise (absent, unreadable, corrupt). Never throws.
 */
export async function readCacheEntry<T>(
  folder: string,
  key: string,
  options: CacheLookupOptions = {},
): Promise<CacheRead<T>> {
  const namespace = options.namespace ?? JOBS_NAMESPACE
  if (!validKey(key)) return { status: 'miss' }
  const dir = entryDir(folder, namespace, key)
  let entry: Entry<T>
  try {
    entry = JSON.parse(await readFile(path.join(dir, `${key}.json`), 'utf8')) as Entry<T>
  } catch {
    return { status: 'miss' }
  }
  if (
    entry?.version !== JOB_CACHE_FORMAT_VERSION ||
    entry.key !== key ||
    entry.namespace !== namespace ||
    !Array.isArray(entry.files)
  )
    return { status: 'miss' }
  const created = Date.parse(entry.created_at)
  const now = (options.now ?? Date.now)()
  if (!Number.isFinite(created) || (options.ttlMs !== undefined && now - created > options.ttlMs))
    return { status: 'expired' }
  const files: CacheFile[] = []
  for (const file of entry.files) {
    const bytes = await readFile(path.join(dir, path.basename(file.name))).catch(() => undefined)
    if (!bytes || bytes.byteLength !== file.bytes || sha256(bytes) !== file.sha256)
      return { status: 'miss' }
    files.push({ bytes: new Uint8Array(bytes), mimeType: file.mimeType })
  }
  return { status: 'hit', value: entry.value, files, createdAt: entry.created_at }
}

/**
 * Stores `value` and `files` as the entry `key` of `namespace` in `folder` (files first, each
 * atomically, then the entry JSON), replacing an older entry.
 *
 * @throws KamuiError IMG_005 (disk full), FS_002 (other file-system errors) from the writes
 */
export async function writeCacheEntry<T>(
  folder: string,
  key: string,
  value: T,
  files: readonly CacheFile[] = [],
  options: { namespace?: string; now?: () => number } = {},
): Promise<void> {
  const namespace = options.namespace ?? JOBS_NAMESPACE
  const dir = entryDir(folder, namespace, key)
  const described: EntryFile[] = []
  for (const [i, file] of files.entries()) {
    const name = `${key}.${i}${EXTENSION[file.mimeType] ?? '.bin'}`
    await writeFileAtomic(path.join(dir, name), file.bytes)
    described.push({
      name,
      sha256: sha256(file.bytes),
      bytes: file.bytes.byteLength,
      mimeType: file.mimeType,
    })
  }
  const entry: Entry<T> = {
    version: JOB_CACHE_FORMAT_VERSION,
    namespace,
    key,
    created_at: new Date((options.now ?? Date.now)()).toISOString(),
    value,
    files: described,
  }
  await writeFileAtomic(path.join(dir, `${key}.json`), `${JSON.stringify(entry)}\n`)
}

/** The result of a model job as the cache keeps it. */
export interface CachedJob {
  jobKey: string
  /** Model label of the job that made it. */
  label: string
  /** The media the stage kept of the result (the bytes it wrote), in order. */
  media: CacheFile[]
  /** Text of the result (text answers). */
  text: string
  /** `structuredContent` of the result, when there was one. */
  structured: unknown
  /** Model time the original job took, ms (what a hit saves). */
  generationMs: number
  /** When the entry was made (ISO 8601). */
  createdAt: string
}

interface JobValue {
  label: string
  text: string
  structured: unknown
  generation_ms: number
}

/**
 * The cached result of the model job `jobKey` in `cacheFolder`, or undefined (absent,
 * expired, corrupt; a null folder is a cache that is off). For callers that plan jobs without
 * running them (the dry run): no model call, no write. Never throws.
 *
 * @param options.ttlMs the `cache-ttl-hours` input in ms (default: no limit)
 */
export async function lookupCachedJob(
  cacheFolder: string | null,
  jobKey: string,
  options: Omit<CacheLookupOptions, 'namespace'> = {},
): Promise<CachedJob | undefined> {
  if (cacheFolder === null || options.ttlMs === 0) return undefined
  const read = await readCacheEntry<JobValue>(cacheFolder, jobKey, options)
  return read.status === 'hit' ? cachedJobOf(jobKey, read) : undefined
}

/** The cached job of a store hit. */
function cachedJobOf(
  jobKey: string,
  read: Extract<CacheRead<JobValue>, { status: 'hit' }>,
): CachedJob {
  return {
    jobKey,
    label: read.value.label,
    media: read.files,
    text: read.value.text,
    structured: read.value.structured,
    generationMs: read.value.generation_ms,
    createdAt: read.createdAt,
  }
}

/** Hit and miss counts of a {@link JobCache}. */
export interface JobCacheCounts {
  /** Jobs answered from the cache (no model call). */
  hits: number
  /** Lookups that found nothing usable (absent, expired, corrupt). */
  misses: number
  /** Of the misses: entries older than the TTL. */
  expired: number
  /** Entries written. */
  stored: number
  /** Model time the hits saved (the original jobs' generation time), ms. */
  savedMs: number
}

/**
 * A view of the store in one folder with a time to live (`cache-folder`, `cache-ttl-hours`),
 * off when the folder is null or the TTL 0: the base of the runner's {@link JobCache} and of a
 * stage's own view of the same folder (the keyframes cache).
 */
export abstract class CacheFolderView {
  /**
   * @param folder absolute folder, or null (off)
   * @param ttlMs how long an entry is used, ms; 0 turns the cache off
   * @param logger where failed writes are warned about
   * @param now the clock entries are dated and aged by, ms since the epoch
   */
  constructor(
    readonly folder: string | null,
    readonly ttlMs: number,
    protected readonly logger: Logger,
    protected readonly now: () => number = Date.now,
  ) {}

  /** Whether the cache reads and writes at all. */
  get enabled(): boolean {
    return this.folder !== null && this.ttlMs > 0
  }
}

/**
 * The runner's cache of model-job results in one folder with a TTL (`cache-folder`,
 * `cache-ttl-hours`): {@link get} before a job is submitted, {@link put} once its result is
 * known (for media, the bytes the stage wrote). Off when the folder is null or the TTL 0.
 */
export class JobCache extends CacheFolderView {
  readonly counts: JobCacheCounts = { hits: 0, misses: 0, expired: 0, stored: 0, savedMs: 0 }

  /** The cached result of `jobKey`, or undefined (counted as a hit or a miss). */
  async get(jobKey: string): Promise<CachedJob | undefined> {
    if (!this.enabled) return undefined
    const read = await readCacheEntry<JobValue>(this.folder as string, jobKey, {
      ttlMs: this.ttlMs,
      now: this.now,
    })
    if (read.status !== 'hit') {
      this.counts.misses++
      if (read.status === 'expired') this.counts.expired++
      return undefined
    }
    this.counts.hits++
    this.counts.savedMs += read.value.generation_ms
    return cachedJobOf(jobKey, read)
  }

  /** Stores the result of `jobKey` (no-op when off; a failed write is logged as a warning). */
  async put(jobKey: string, result: Omit<CachedJob, 'jobKey' | 'createdAt'>): Promise<void> {
    if (!this.enabled) return
    const value: JobValue = {
      label: result.label,
      text: result.text,
      structured: result.structured ?? null,
      generation_ms: Math.max(0, Math.round(result.generationMs)),
    }
    try {
      await writeCacheEntry(this.folder as string, jobKey, value, result.media, { now: this.now })
      this.counts.stored++
    } catch (error) {
      this.logger.warn(`The job cache could not store a result: ${errorMessage(error)}`)
    }
  }
}

/**
 * The `cache-folder` of the stages other than keyframes: the folder given (relative to the
 * workspace, or absolute), else `KAMUI_CACHE_FOLDER` of the environment (a user's cache folder
 * for the CLI, e.g. `~/.cache/kamui/jobs`), else the runner's tool cache
 * (`$RUNNER_TOOL_CACHE/kamui-media-actions/jobs`, kept across jobs on self-hosted runners and
 * restorable with actions/cache on hosted ones) when the environment names one, else null: the
 * cache is off outside a runner unless a folder is named, so a local run never answers from
 * results nobody asked it to keep.
 *
 * @param given the input as given, '' for the default
 * @returns an absolute folder, or null (off)
 */
export function resolveCacheFolder(
  given: string,
  workspace: string,
  env: Record<string, string | undefined>,
): string | null {
  if (given) return path.resolve(workspace, given)
  const user = env['KAMUI_CACHE_FOLDER']
  if (user) return path.resolve(workspace, user)
  const toolCache = env['RUNNER_TOOL_CACHE']
  if (toolCache) return path.join(toolCache, 'kamui-media-actions', 'jobs')
  return null
}

const EXTENSION: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'application/json': '.json',
  'text/plain': '.txt',
}

/** A key is a file-name-safe hash (hex, or letters, digits, `-`, `_`), never a path. */
function validKey(key: string): boolean {
  return /^[0-9a-z_-]{2,128}$/i.test(key)
}

/** @throws Error for a key that is not a hash (a path could leave the folder) */
function entryDir(folder: string, namespace: string, key: string): string {
  if (!validKey(key)) throw new Error(`cache key "${key}" is not a hash`)
  return path.join(folder, namespace, key.slice(0, 2))
}
