import type { Redactor } from '../../core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
} from '../telemetry/artifacts.js'
import type { RunInfo } from '../telemetry/run-info.js'
import type { Artifact, StageDoneMarker } from '../../contracts/telemetry.js'
import type { Provenance } from './provenance.js'

/** One file of a generated site, for its telemetry record. */
export interface SiteFile {
  /** Path relative to the site folder, forward slashes. */
  path: string
  /**
   * For a copied media file: where it came from (workspace-relative) and what its own
   * telemetry says; its generation is accounted on the source file, so the copy has 0 attempts
   * and no cost.
   */
  source?: { path: string; provenance: Provenance | undefined }
}

/** Input of {@link writeSiteTelemetry}. */
export interface SiteTelemetryInput {
  /** Absolute folder of the site (it gets `metadata/artifact-metadata.json`). */
  folder: string
  /** `web-player-generation` or `threejs-pointcloud-viewer`. */
  stage: string
  run: RunInfo
  endedAt: Date
  files: readonly SiteFile[]
  redactor: Redactor
  /** The stage's done-marker check (`done_marker` of the record), when it made one. */
  doneMarker?: StageDoneMarker
}

/**
 * Writes the telemetry record (SPEC §7) of a generated site: every file the stage wrote, with
 * SHA-256, size and media type. Pages, scripts and three.js files were made without a model
 * (no model, timings null, no GPU, no cost, not preview); copied media keep their source's
 * model and preview flag and name the source in `derived_from`. Earlier stages' records in the
 * same folder are kept (see `writeArtifactMetadata`).
 *
 * @returns the artifacts written
 * @throws TelemetryContractError when a record does not satisfy the contract
 */
export async function writeSiteTelemetry(input: SiteTelemetryInput): Promise<Artifact[]> {
  const artifacts: Artifact[] = []
  for (const file of input.files) {
    const source = file.source
    artifacts.push(
      await describeArtifact(
        input.folder,
        file.path,
        source
          ? {
              model: source.provenance?.modelRecord ?? null,
              preview: source.provenance?.preview ?? false,
              derived_from: source.path,
            }
          : {},
      ),
    )
  }
  const record = buildArtifactMetadata({
    stage: input.stage,
    run: input.run,
    endedAt: input.endedAt,
    artifacts,
    ...(input.doneMarker ? { doneMarker: input.doneMarker } : {}),
  })
  await writeArtifactMetadata(input.folder, record, input.redactor)
  return artifacts
}
