import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { glob } from 'tinyglobby'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError, errorMessage } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { JOURNAL_FILE } from '../../contracts/journal.js'
import {
  SHARD_RECORD_FILE,
  ShardRecordSchema,
  shardLabel,
  type ShardRecord,
} from '../../contracts/shard-manifest.js'
import {
  ARTIFACT_METADATA_FILE,
  ArtifactMetadataSchema,
  type ArtifactMetadata,
} from '../../contracts/telemetry.js'
import { STAGE_DONE_MARKER } from '../handoff/stage-folder.js'

/** One shard folder found for a merge. */
export interface ShardFolder {
  /** Absolute path. */
  folder: string
  /** Its name relative to the workspace (forward slashes). */
  name: string
  record: ShardRecord
  /** Whether the shard finished (its done marker is present): false for a failed shard. */
  complete: boolean
}

/** The shards of one run that a merge found, in shard order, and what is missing. */
export interface FoundShards {
  shards: ShardFolder[]
  /** The shard count N of the run. */
  count: number
  /** Shard numbers 1..N without a folder. */
  missing: number[]
  /** The warnings of the search (skipped folders, duplicates, missing and failed shards). */
  warnings: { code: string; message: string }[]
}

const GLOB_CHARS = /[*?[\]{}]/

/**
 * The folders of the `shard-folders` input: entries separated by newlines or commas, each a
 * folder or a glob (tinyglobby, relative to the workspace, folders only), every result inside
 * the workspace (symbolic links resolved).
 *
 * @throws KamuiError FS_001 for a folder outside the workspace; SHARD_002 when nothing matches
 */
export async function listShardFolders(workspace: string, input: string): Promise<string[]> {
  const entries = input
    .split(/[\n,]/)
    .map((e) => e.trim())
    .filter(Boolean)
  const found = new Set<string>()
  for (const entry of entries) {
    const matches = GLOB_CHARS.test(entry)
      ? await glob(entry, {
          cwd: workspace,
          onlyDirectories: true,
          absolute: true,
          dot: false,
          // tinyglobby's default also matches everything below a matched folder (`x` as `x/**`):
          // `out/run-shard-*-of-3` must name the shard folders, not their `images/`, `metadata/`.
          expandDirectories: false,
        })
      : [entry]
    for (const match of matches) {
      const folder = resolveInWorkspace(workspace, match, 'shard-folders')
      const info = await stat(folder).catch(() => undefined)
      if (info?.isDirectory()) found.add(folder)
    }
  }
  if (found.size === 0) {
    throw new KamuiError(
      'SHARD_002',
      `shard-folders "${input}" names no folder: give the shard folders (e.g. "out/run-shard-*") ` +
        'that the shard jobs wrote (downloaded with actions/download-artifact).',
    )
  }
  return [...found].sort()
}

async function readRecord(folder: string): Promise<ShardRecord | string> {
  try {
    const data: unknown = JSON.parse(await readFile(path.join(folder, SHARD_RECORD_FILE), 'utf8'))
    const parsed = ShardRecordSchema.safeParse(data)
    return parsed.success ? parsed.data : `${SHARD_RECORD_FILE} is malformed`
  } catch (error) {
    return `no readable ${SHARD_RECORD_FILE} (${errorMessage(error)})`
  }
}

/**
 * Reads the shard record of every folder and puts the shards of one run in shard order
 * (whatever order the folders were given in). A folder without a shard record is skipped with
 * a warning; of two folders of the same shard the first by name is used; a missing shard and a
 * shard that did not finish are warnings (partial-failure rule: the merge goes on with what
 * exists).
 *
 * @throws KamuiError SHARD_002 when no folder is a shard folder; SHARD_001 when the folders
 *   belong to different runs (stage, shard count, request or base seed differ)
 */
export async function readShardFolders(
  workspace: string,
  folders: readonly string[],
  logger: Logger,
): Promise<FoundShards> {
  const warnings: FoundShards['warnings'] = []
  const byShard = new Map<number, ShardFolder>()
  for (const folder of folders) {
    const name = path.relative(workspace, folder).split(path.sep).join('/')
    const record = await readRecord(folder)
    if (typeof record === 'string') {
      warnings.push({ code: 'SHARD_002', message: `${name} is not a shard folder: ${record}.` })
      continue
    }
    if (byShard.has(record.shard)) {
      warnings.push({
        code: 'SHARD_001',
        message: `${name} holds shard ${record.shard} again; ${byShard.get(record.shard)?.name} is used.`,
      })
      continue
    }
    const complete = existsSync(path.join(folder, STAGE_DONE_MARKER))
    byShard.set(record.shard, { folder, name, record, complete })
  }
  const shards = [...byShard.values()].sort((a, b) => a.record.shard - b.record.shard)
  const first = shards[0]
  if (!first) {
    throw new KamuiError(
      'SHARD_002',
      `None of ${folders.length} folder(s) is a shard folder (no ${SHARD_RECORD_FILE}); nothing to merge.`,
    )
  }
  for (const shard of shards) checkSameRun(first, shard)
  const count = first.record.shards
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !byShard.has(k))
  for (const k of missing) {
    const jobs = first.record.jobs.filter((j) => j.shard === k).map((j) => j.number)
    warnings.push({
      code: 'SHARD_002',
      message:
        `shard ${shardLabel({ index: k, count })} is missing (no folder): its job(s) ` +
        `${jobs.join(', ')} are not in the merged folder. Re-run that shard and merge again.`,
    })
  }
  for (const shard of shards.filter((s) => !s.complete)) {
    warnings.push({
      code: 'SHARD_002',
      message: `shard ${shardLabel({ index: shard.record.shard, count })} (${shard.name}) did not finish (no done marker); what it made is merged.`,
    })
  }
  for (const warning of warnings) logger.warn(`${warning.code}: ${warning.message}`)
  return { shards, count, missing, warnings }
}

function checkSameRun(first: ShardFolder, other: ShardFolder): void {
  const a = first.record
  const b = other.record
  const field = (['stage', 'shards', 'request', 'base_seed', 'folder_name'] as const).find(
    (k) => a[k] !== b[k],
  )
  if (field) {
    throw new KamuiError(
      'SHARD_001',
      `${other.name} belongs to another run than ${first.name}: ${field} is ` +
        `${JSON.stringify(b[field])} there and ${JSON.stringify(a[field])} here. Merge the shards of one run only.`,
    )
  }
}

/** Copies `relative` from a shard folder into `target` (same relative path), atomically. */
export async function copyFromShard(
  shard: ShardFolder,
  relative: string,
  target: string,
): Promise<void> {
  await copyFileAtomic(path.join(shard.folder, relative), path.join(target, relative))
}

/**
 * The run journal of the merged folder: every shard's journal lines, shard after shard (in
 * shard order, each in its own order), so that a resume in the merged folder finds every job.
 *
 * @returns the relative path written, or undefined when no shard kept a journal
 */
export async function mergeJournals(
  shards: readonly ShardFolder[],
  target: string,
): Promise<string | undefined> {
  const parts: string[] = []
  for (const shard of shards) {
    const text = await readFile(path.join(shard.folder, JOURNAL_FILE), 'utf8').catch(() => '')
    // A line cut short by a crash is left out: only whole lines are merged.
    const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1)
    parts.push(whole)
  }
  const merged = parts.join('')
  if (merged === '') return undefined
  await writeFileAtomic(path.join(target, JOURNAL_FILE), merged)
  return JOURNAL_FILE
}

/** A shard's telemetry record, or undefined when it has none that is valid. */
export async function shardTelemetry(shard: ShardFolder): Promise<ArtifactMetadata | undefined> {
  try {
    const data: unknown = JSON.parse(
      await readFile(path.join(shard.folder, ARTIFACT_METADATA_FILE), 'utf8'),
    )
    const parsed = ArtifactMetadataSchema.safeParse(data)
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}

/**
 * The run record of a merged folder: the first shard's run (its id, workflow, commit), started
 * when the first shard started and ended when the last one ended, so that merging the same
 * shards again writes the same telemetry.
 */
export function mergedRunTimes(
  records: readonly ArtifactMetadata[],
): { run: ArtifactMetadata['run']; endedAt: Date } | undefined {
  const first = records[0]
  if (!first) return undefined
  const started = records.map((r) => r.run.started_at).sort()[0] as string
  const ended = records.map((r) => r.run.ended_at).sort()[records.length - 1] as string
  return { run: { ...first.run, started_at: started }, endedAt: new Date(ended) }
}
