import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { isInside } from '../../core/workspace.js'
import {
  ARTIFACT_METADATA_FILE,
  ArtifactMetadataSchema,
  type Artifact,
  type ModelTelemetry,
} from '../../contracts/telemetry.js'

/** Where a media file came from, as the telemetry of the stage that wrote it records. */
export interface Provenance {
  /** True when the file is preview output of the offline preview server. */
  preview: boolean
  /**
   * True when the record flags the file `heuristic: true` (the point-cloud stage does for depth
   * guessed from brightness, not estimated by a depth model).
   */
  heuristic: boolean
  /** Model alias (`preview:<alias>` for preview stand-ins), or null when no model made it. */
  model: string | null
  /** The full model record of the telemetry, or null. */
  modelRecord: ModelTelemetry | null
  /** The stage that wrote the file. */
  stage: string
}

/**
 * Looks a file up in the telemetry (SPEC §7) of the stage that wrote it: from the file's folder
 * up to `workspace`, the first `metadata/artifact-metadata.json` whose records (the top level,
 * then `earlier_stages`) list the file's path relative to that folder. Metadata files that do
 * not satisfy the contract are skipped. Results and files are cached in the instance.
 */
export class ProvenanceLookup {
  private readonly files = new Map<string, Promise<FolderRecords | undefined>>()

  constructor(private readonly workspace: string) {}

  /** The file's provenance, or undefined when no telemetry lists it. */
  async of(file: string): Promise<Provenance | undefined> {
    const absolute = path.resolve(file)
    for (let dir = path.dirname(absolute); isInside(this.workspace, dir); dir = path.dirname(dir)) {
      const records = await this.recordsOf(dir)
      const rel = path.relative(dir, absolute).split(path.sep).join('/')
      for (const record of records ?? []) {
        const artifact = record.artifacts.find((a) => a.path === rel)
        if (artifact) return provenanceOf(artifact, record.stage)
      }
      if (dir === path.dirname(dir)) break
    }
    return undefined
  }

  private recordsOf(dir: string): Promise<FolderRecords | undefined> {
    let pending = this.files.get(dir)
    if (!pending) {
      pending = readRecords(path.join(dir, ...ARTIFACT_METADATA_FILE.split('/')))
      this.files.set(dir, pending)
    }
    return pending
  }
}

type FolderRecords = { stage: string; artifacts: Artifact[] }[]

async function readRecords(file: string): Promise<FolderRecords | undefined> {
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch {
    return undefined
  }
  const parsed = ArtifactMetadataSchema.safeParse(data)
  if (!parsed.success) return undefined
  const { earlier_stages: earlier = [], ...top } = parsed.data
  return [top, ...earlier].map((r) => ({ stage: r.stage, artifacts: r.artifacts }))
}

function provenanceOf(artifact: Artifact, stage: string): Provenance {
  const m = artifact.model
  return {
    preview: artifact.preview,
    heuristic: (artifact as Record<string, unknown>)['heuristic'] === true,
    model: m?.alias ?? null,
    modelRecord: m
      ? {
          alias: m.alias,
          provider: m.provider,
          server: m.server,
          tool: m.tool,
          workflow: m.workflow,
        }
      : null,
    stage,
  }
}
