import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import type { Artifact, ArtifactMetadata } from '../../contracts/telemetry.js'
import { notApplicable } from '../handoff/stage-folder.js'
import { buildArtifactMetadata, writeArtifactMetadata } from '../telemetry/artifacts.js'
import { mergedRunTimes, shardTelemetry, type ShardFolder } from './shard-folders.js'

/** Where and as what a merge writes its telemetry. */
export interface MergedTelemetryTarget {
  /** The stage recorded (the stage whose shards were merged). */
  stage: string
  /** Absolute merged folder. */
  folder: string
  redactor: Redactor
  /** Why the merged folder's done marker is not checked (recorded as `not_applicable`). */
  doneMarkerReason: string
}

/**
 * Writes `metadata/artifact-metadata.json` of a merged folder: the artifacts that
 * `artifactsOf` lists from the shards' valid telemetry records (in shard order), every shard's
 * errors, and the run from the first shard's start to the last shard's end
 * ({@link mergedRunTimes}), so that merging the same shards again writes the same record.
 *
 * @throws KamuiError SHARD_001 when no shard folder holds valid telemetry; the errors of
 *   `artifactsOf` and of the telemetry contract
 */
export async function writeMergedTelemetry(
  shards: readonly ShardFolder[],
  target: MergedTelemetryTarget,
  artifactsOf: (records: readonly ArtifactMetadata[]) => Promise<Artifact[]>,
): Promise<void> {
  const records = (await Promise.all(shards.map(shardTelemetry))).filter((r) => r !== undefined)
  const times = mergedRunTimes(records)
  if (!times) {
    throw new KamuiError('SHARD_001', 'No shard folder holds valid telemetry; nothing to merge.')
  }
  const artifacts = await artifactsOf(records)
  const { ended_at: _e, duration_ms: _d, ...run } = times.run
  const record = buildArtifactMetadata({
    stage: target.stage,
    run,
    endedAt: times.endedAt,
    artifacts,
    errors: records.flatMap((r) => r.errors),
    doneMarker: notApplicable(target.doneMarkerReason),
  })
  await writeArtifactMetadata(target.folder, record, target.redactor)
}
