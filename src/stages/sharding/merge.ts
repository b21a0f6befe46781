import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { parseProvenanceInput } from '../../contracts/provenance.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { listShardFolders, readShardFolders } from '../../output/shards/shard-folders.js'
import { MERGE_INPUTS } from './spec.js'
import type { ShardMerger } from './types.js'

/** What `kamui merge` returns. */
export interface MergeResult {
  stage: string
  /** Absolute merged folder. */
  folder: string
  merged: number[]
  missing: number[]
  outputs: Record<string, string>
  summary?: string | undefined
}

/**
 * `kamui merge` (issue 13): finds the shard folders (`shard-folders`: folders or globs), puts
 * them in shard order, checks they are the shards of one run, and lets the stage's merger write
 * the folder the unsharded run would have written (into `folder-name`, default the run's).
 * Missing and unfinished shards are warnings; the merge fails only when nothing can be merged.
 * The result does not depend on the order of the folders, and merging again changes nothing.
 *
 * @throws KamuiError SHARD_002 when no shard folder is found, SHARD_001 for shards of different
 *   runs, CFG_001 for a stage no merger knows, FS_001 for folders outside the workspace
 */
export async function runMerge(
  raw: RawInputs,
  context: StageContext,
  mergers: readonly ShardMerger[],
): Promise<MergeResult> {
  const folders = await listShardFolders(context.workspace, raw['shard-folders'] ?? '')
  const found = await readShardFolders(context.workspace, folders, context.logger)
  const first = found.shards[0]?.record
  const stage = first?.stage ?? ''
  const merger = mergers.find((m) => m.stage === stage)
  if (!merger) {
    throw new KamuiError('CFG_001', `Shards of stage "${stage}" cannot be merged by this version.`)
  }
  const folderName = (raw['folder-name'] ?? '').trim() || (first?.folder_name ?? '')
  const folder = resolveInWorkspace(context.workspace, folderName, 'folder-name')
  if (found.shards.some((s) => s.folder === folder)) {
    throw new KamuiError('CFG_001', `folder-name ${folderName} is one of the shard folders.`)
  }
  const merged = found.shards.map((s) => s.record.shard)
  context.logger.info(
    `Merging shard(s) ${merged.join(', ')} of ${found.count} (${stage}) into ${folderName}` +
      (found.missing.length ? `; missing: ${found.missing.join(', ')} (partial result).` : '.'),
  )
  const result = await merger.merge(found, {
    folder,
    workspace: context.workspace,
    redactor: context.redactor,
    context,
    embedProvenance: parseProvenanceInput(withDefaults(MERGE_INPUTS, raw)),
  })
  return {
    stage,
    folder,
    merged,
    missing: found.missing,
    outputs: {
      stage,
      folder: path.relative(context.workspace, folder).split(path.sep).join('/'),
      'shards-merged': JSON.stringify(merged),
      'shards-missing': JSON.stringify(found.missing),
      ...result.outputs,
    },
    summary: result.summary,
  }
}
