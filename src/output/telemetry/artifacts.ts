import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeRedactedJson } from '../../core/redacted-json.js'
import type { Redactor } from '../../core/redactor.js'
import { loadSharp } from '../../media/sharp.js'
import { canCarryProvenance, readFileProvenance } from '../../media/provenance/read.js'
import { describeIssues } from './issues.js'
import type { RunInfo } from './run-info.js'
import {
  ARTIFACT_METADATA_FILE,
  ArtifactMetadataSchema,
  StageRecordSchema,
  TELEMETRY_SCHEMA_VERSION,
  type Artifact,
  type ArtifactMetadata,
  type StageDoneMarker,
  type StageRecord,
  type TelemetryError,
} from '../../contracts/telemetry.js'

/** Media types by file extension (IANA names; PLY has none registered, so `model/x-ply`). */
const MEDIA_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.m4a': 'audio/mp4',
  '.ogg': 'audio/ogg',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ply': 'model/x-ply',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.obj': 'model/obj',
  '.zip': 'application/zip',
}

/** Raster formats whose pixel size is read with sharp. */
const RASTER_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
])

/** The media type of a file from its extension; `application/octet-stream` when unknown. */
export function mediaTypeOf(file: string): string {
  return MEDIA_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/**
 * What the caller knows about an artifact beyond its bytes. Every field is optional; the
 * defaults are those of a file the stage wrote itself without a model (a report): no model,
 * all timings null, 0 attempts, no retries or errors, no GPU, no handoff, no cost, not preview.
 * `width`, `height`, `frames` and `duration_s` override what the file gives (videos: the
 * caller knows them, images are measured). Extra keys are kept in the record as they are.
 */
export type ArtifactExtra = Partial<Omit<Artifact, 'path' | 'sha256' | 'bytes'>> & {
  [key: string]: unknown
}

/** SHA-256 (hex) and size in bytes of a file, read as a stream. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of createReadStream(file)) {
    const buffer = chunk as Buffer
    hash.update(buffer)
    bytes += buffer.byteLength
  }
  return { sha256: hash.digest('hex'), bytes }
}

/**
 * Pixel size and frame count of a raster image (frames only for animated images: the page
 * count when above 1, and the height is then that of one frame).
 *
 * @throws the sharp error when the file is not a readable image
 */
export async function imageDimensions(
  file: string,
): Promise<{ width: number | null; height: number | null; frames: number | null }> {
  const sharp = await loadSharp()
  const meta = await sharp(file, { animated: true }).metadata()
  const pages = meta.pages ?? 1
  return {
    width: meta.width ?? null,
    height: (pages > 1 ? meta.pageHeight : undefined) ?? meta.height ?? null,
    frames: pages > 1 ? pages : null,
  }
}

/**
 * Describes one file of a stage folder for the telemetry file: streams it for its SHA-256 and
 * size, takes the media type from its extension, measures raster images with sharp, and
 * merges `extra`.
 *
 * @param folder the stage folder (absolute, or relative to the working directory)
 * @param relativePath the file, relative to `folder` (either slash; written with forward slashes)
 * @throws when the file cannot be read, or is an image sharp cannot decode
 */
export async function describeArtifact(
  folder: string,
  relativePath: string,
  extra: ArtifactExtra = {},
): Promise<Artifact> {
  const rel = relativePath.split(path.sep).join('/').replace(/\\/g, '/')
  const file = path.join(folder, ...rel.split('/'))
  const { sha256, bytes } = await hashFile(file)
  const media_type = mediaTypeOf(rel)
  const measured = RASTER_TYPES.has(media_type)
    ? await imageDimensions(file)
    : { width: null, height: null, frames: null }
  return {
    path: rel,
    sha256,
    bytes,
    media_type,
    width: measured.width,
    height: measured.height,
    frames: measured.frames,
    duration_s: null,
    model: null,
    timings: { queue_wait_ms: null, generation_ms: null, download_ms: null, total_ms: null },
    attempts: 0,
    retries: 0,
    errors: [],
    gpu_memory: null,
    done_marker: null,
    cost: null,
    preview: false,
    ...(canCarryProvenance(rel) ? { provenance: await readFileProvenance(file) } : {}),
    ...extra,
  }
}

/** The error thrown when a record does not satisfy the contract; `problems` name each field. */
export class TelemetryContractError extends Error {
  override readonly name = 'TelemetryContractError'
  constructor(readonly problems: string[]) {
    super(`The telemetry record does not satisfy the contract: ${problems.join('; ')}`)
  }
}

/** Input of {@link buildArtifactMetadata}. */
export interface BuildArtifactMetadataInput {
  /** The stage (action folder name), e.g. `image-generation-v2`. */
  stage: string
  run: RunInfo
  /** When the stage ended; `duration_ms` is computed from `run.started_at`. */
  endedAt: Date
  /** From {@link describeArtifact}, in the order the stage wants them listed. */
  artifacts: readonly Artifact[]
  /** Stage-level failures; default none. */
  errors?: readonly TelemetryError[]
  /** The stage's done-marker check (`done_marker` of the record); absent: not recorded. */
  doneMarker?: StageDoneMarker
}

/**
 * Assembles and validates a stage's telemetry record.
 *
 * @throws TelemetryContractError naming each missing or malformed field
 */
export function buildArtifactMetadata(input: BuildArtifactMetadataInput): StageRecord {
  const startedMs = Date.parse(input.run.started_at)
  const endedMs = input.endedAt.getTime()
  const record = {
    schema_version: TELEMETRY_SCHEMA_VERSION,
    stage: input.stage,
    run: {
      ...input.run,
      ended_at: input.endedAt.toISOString(),
      duration_ms: Number.isFinite(startedMs) ? Math.max(0, Math.round(endedMs - startedMs)) : 0,
    },
    artifacts: [...input.artifacts],
    errors: [...(input.errors ?? [])],
    ...(input.doneMarker ? { done_marker: input.doneMarker } : {}),
  }
  return validate(StageRecordSchema, record)
}

/** What {@link writeArtifactMetadata} did. */
export interface WrittenArtifactMetadata {
  /** Absolute (or folder-relative, as `folder` was given) path of the file written. */
  file: string
  /** What was written (secrets redacted). */
  metadata: ArtifactMetadata
  /** Stages whose earlier records in the same folder were kept under `earlier_stages`. */
  earlierStages: string[]
  /** True when an existing file was unreadable or invalid and was replaced without merging. */
  replacedInvalid: boolean
}

/**
 * Validates a stage record and writes it to `{folder}/metadata/artifact-metadata.json`
 * atomically, with every string value passed through `redactor.redact` (hashes excepted, so
 * a short secret can never corrupt one).
 *
 * When the folder already holds the record of an earlier stage (image generation, then video
 * generation into the same `folder-name`), that record is kept under `earlier_stages`, minus
 * the artifacts the new record lists again (those files were rewritten); an earlier record
 * left without artifacts is dropped. An unreadable or invalid existing file is replaced.
 *
 * @throws TelemetryContractError when `record` does not satisfy the contract; IMG_005 when the
 *   disk is full
 */
export async function writeArtifactMetadata(
  folder: string,
  record: StageRecord,
  redactor: Redactor,
): Promise<WrittenArtifactMetadata> {
  const current = validate(StageRecordSchema, record)
  const file = path.join(folder, ...ARTIFACT_METADATA_FILE.split('/'))
  const { earlier, replacedInvalid } = await earlierRecords(file, current)
  const { earlier_stages: _ignored, ...top } = current as ArtifactMetadata
  const merged: ArtifactMetadata = earlier.length ? { ...top, earlier_stages: earlier } : top
  // Masked first and validated as masked, so that the file written is the file checked
  // (writing masks again, which changes nothing).
  const metadata = validate(ArtifactMetadataSchema, redactor.redactDeep(merged))
  await writeRedactedJson(file, metadata, redactor)
  return { file, metadata, earlierStages: earlier.map((r) => r.stage), replacedInvalid }
}

async function earlierRecords(
  file: string,
  current: StageRecord,
): Promise<{ earlier: StageRecord[]; replacedInvalid: boolean }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return { earlier: [], replacedInvalid: false }
  }
  let existing: ArtifactMetadata
  try {
    existing = ArtifactMetadataSchema.parse(JSON.parse(text))
  } catch {
    return { earlier: [], replacedInvalid: true }
  }
  const rewritten = new Set(current.artifacts.map((a) => a.path))
  const { earlier_stages: older = [], ...latest } = existing
  const earlier = [latest, ...older]
    .map((r) => ({ ...r, artifacts: r.artifacts.filter((a) => !rewritten.has(a.path)) }))
    .filter((r) => r.artifacts.length > 0)
  return { earlier, replacedInvalid: false }
}

function validate<T>(schema: { safeParse(data: unknown): ParseResult<T> }, data: unknown): T {
  const result = schema.safeParse(data)
  if (!result.success) throw new TelemetryContractError(describeIssues(data, result.error.issues))
  return result.data
}

type ParseResult<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: Parameters<typeof describeIssues>[1] } }
