import { createHash } from 'node:crypto'
import { errorMessage } from '../../core/errors.js'
import { CacheFolderView, readCacheEntry, writeCacheEntry } from '../../runner/job-cache.js'

/**
 * The result cache of the keyframes stage: stories, compositions and renders keyed by a hash
 * of their full inputs (model identity, prompt, references, size, seed, …), kept for a time to
 * live. A hit skips the model call; the cache is an optimisation only, so unreadable or corrupt
 * entries count as misses and write failures as warnings.
 *
 * It is a view of the runner's content-addressed store (`src/runner/job-cache.ts`, issue 11):
 * each step kind is a namespace of the folder (`<folder>/<step>/<first two hex digits>/<key>.json`
 * and, for renders, the PNG beside it), written atomically with the JSON last and every file
 * checked against its sha256 on read. The same folder holds the runner's job cache of the
 * stage's model jobs (namespace `jobs`), so `cache-folder` and `cache-ttl-hours` govern both.
 */

/** The cached step kinds. */
export const CACHE_STEPS = ['story', 'enhancement', 'render'] as const
/** One of {@link CACHE_STEPS}. */
export type CacheStep = (typeof CACHE_STEPS)[number]

/** Bumped when the meaning of cached values changes: older entries are then never hit. */
export const CACHE_FORMAT_VERSION = 1

/** Hit and miss counts of one step kind. */
export interface CacheCounts {
  /** Results taken from the cache. */
  hits: number
  /** Lookups that found nothing usable (absent, expired, corrupt). */
  misses: number
  /** Of the misses: entries that existed but were older than the TTL. */
  expired: number
  /** Lookups skipped on purpose (segments named in retry-segments). */
  bypassed: number
}

/** The value a step entry of the store holds (the store adds key, time, files and their sha256). */
interface Entry<T> {
  version: number
  value: T
}

/**
 * SHA-256 (hex) of the canonical JSON of `parts` (object keys sorted, `undefined` dropped), with
 * {@link CACHE_FORMAT_VERSION} mixed in.
 */
export function cacheKey(parts: unknown): string {
  return createHash('sha256')
    .update(`kamui-keyframes-cache:${CACHE_FORMAT_VERSION}\n${canonicalJson(parts)}`)
    .digest('hex')
}

/** JSON with object keys sorted at every depth; `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/**
 * See the module comment. Constructed as every {@link CacheFolderView}: a null folder turns the
 * cache off (every lookup a miss, nothing written).
 */
export class KeyframeCache extends CacheFolderView {
  private readonly counts = Object.fromEntries(
    CACHE_STEPS.map((s) => [s, { hits: 0, misses: 0, expired: 0, bypassed: 0 }]),
  ) as Record<CacheStep, CacheCounts>

  /** Hit and miss counts so far, by step kind. */
  stats(): Record<CacheStep, CacheCounts> {
    return structuredClone(this.counts)
  }

  /** Counts a lookup that was skipped on purpose. */
  bypass(step: CacheStep): void {
    this.counts[step].bypassed++
  }

  /** The cached JSON value of `key`, or undefined (counted as a hit or a miss). */
  async get<T>(step: CacheStep, key: string): Promise<T | undefined> {
    const entry = await this.read<T>(step, key)
    if (!entry || entry.files.length > 0) return this.miss(step)
    this.counts[step].hits++
    return entry.value
  }

  /** The cached PNG and value of `key`, or undefined (counted as a hit or a miss). */
  async getImage<T>(step: CacheStep, key: string): Promise<{ png: Buffer; value: T } | undefined> {
    const entry = await this.read<T>(step, key)
    const png = entry?.files[0]
    if (!entry || !png) return this.miss(step)
    this.counts[step].hits++
    return { png: Buffer.from(png.bytes), value: entry.value }
  }

  /** Stores a JSON value (no-op when the cache is off; failures are logged as warnings). */
  async put<T>(step: CacheStep, key: string, value: T): Promise<void> {
    await this.write(step, key, value, undefined)
  }

  /** Stores a PNG with its value. */
  async putImage<T>(step: CacheStep, key: string, png: Buffer, value: T): Promise<void> {
    await this.write(step, key, value, png)
  }

  private miss(step: CacheStep): undefined {
    this.counts[step].misses++
    return undefined
  }

  private async read<T>(
    step: CacheStep,
    key: string,
  ): Promise<{ value: T; files: { bytes: Uint8Array }[] } | undefined> {
    if (!this.enabled) return undefined
    const read = await readCacheEntry<Entry<T>>(this.folder as string, key, {
      namespace: step,
      ttlMs: this.ttlMs,
      now: this.now,
    })
    if (read.status === 'expired') this.counts[step].expired++
    if (read.status !== 'hit' || read.value?.version !== CACHE_FORMAT_VERSION) return undefined
    return { value: read.value.value, files: read.files }
  }

  private async write<T>(
    step: CacheStep,
    key: string,
    value: T,
    png: Buffer | undefined,
  ): Promise<void> {
    if (!this.enabled) return
    const entry: Entry<T> = { version: CACHE_FORMAT_VERSION, value }
    try {
      await writeCacheEntry(
        this.folder as string,
        key,
        entry,
        png ? [{ bytes: png, mimeType: 'image/png' }] : [],
        { namespace: step, now: this.now },
      )
    } catch (error) {
      this.logger.warn(
        `The keyframes cache could not store a ${step} result: ${errorMessage(error)}`,
      )
    }
  }
}
