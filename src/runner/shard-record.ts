import path from 'node:path'
import type { Redactor } from '../core/redactor.js'
import { writeRedactedJson } from '../core/redacted-json.js'
import {
  SHARD_RECORD_FILE,
  ShardRecordSchema,
  shardFolderName,
  type ShardInputs,
  type ShardManifest,
} from '../contracts/shard-manifest.js'
import { readShardManifest, type ShardRun } from './shard-plan.js'

/**
 * The folder a run writes: `folderName`, or `<folderName>-shard-k-of-N` when `shard` (the
 * stage's parsed `shard` / `shard-manifest` inputs) names a shard.
 */
export function runFolderName(folderName: string, shard: ShardInputs | undefined): string {
  const spec = shard?.shard
  return spec ? shardFolderName(folderName, spec) : folderName
}

/**
 * The manifest a shard run was given (`shard-manifest`), or undefined for an unsharded run or a
 * shard without one.
 *
 * @throws the errors of {@link readShardManifest}
 */
export async function givenShardManifest(
  shard: ShardInputs | undefined,
  workspace: string,
): Promise<ShardManifest | undefined> {
  const file = shard?.shard ? shard.shardManifest : undefined
  return file ? readShardManifest(workspace, file) : undefined
}

/**
 * Writes a shard run's record to `metadata/shard.json` of `folder` (secrets masked) and
 * returns that relative path.
 */
export async function writeShardRecord(
  folder: string,
  shard: ShardRun,
  redactor: Redactor,
): Promise<string> {
  await writeRedactedJson(
    path.join(folder, SHARD_RECORD_FILE),
    ShardRecordSchema.parse(shard.record),
    redactor,
  )
  return SHARD_RECORD_FILE
}
