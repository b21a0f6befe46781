import type { Redactor } from '../../core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
  type ArtifactExtra,
} from '../../output/telemetry/artifacts.js'
import type { RunInfo } from '../../output/telemetry/run-info.js'
import type {
  Artifact,
  Cost,
  ModelTelemetry,
  StageDoneMarker,
  TelemetryError,
} from '../../contracts/telemetry.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import type { ImageRecord } from './report.js'
import type { ScoredCandidate, Slot } from './strategies.js'
import { describePrice, entryPrice, jobCost } from '../../models/price.js'
import { FILES } from './write-outputs.js'

/** What {@link writeImageTelemetry} needs from the run. */
export interface ImageTelemetryInput {
  /** Absolute folder of the run. */
  folder: string
  /** `image-generation` (v1) or `image-generation-v2`. */
  stage: string
  run: RunInfo
  endedAt: Date
  /** Every slot with all its candidates (files as they are on disk after any swap). */
  slots: readonly Slot[]
  /** The primary image, when one was made. */
  primary: ImageRecord | undefined
  /** The other files the stage wrote, relative to the folder (reports, URL and JSON files). */
  otherFiles: readonly string[]
  redactor: Redactor
  /** Set when the run was cancelled (recorded as a stage-level RUN_001 error). */
  cancelled: boolean
  /** The stage's done-marker check (`done_marker` of the record). */
  doneMarker: StageDoneMarker
}

const PREVIEW_COST: Cost = { usd: 0, basis: 'preview server: rendered offline, no charge' }

/**
 * Writes `metadata/artifact-metadata.json` (SPEC §7) for an image-generation run: every
 * candidate image on disk (kept ones at their slot file, the others under
 * `images/candidates/`) with its model, timings, attempts, retried errors and cost; the v2
 * copy of the primary image; the reports and URL/JSON files (no model); every failed
 * candidate and a cancellation as stage-level errors. Hosted MCP models and the preview
 * server use no GPU of ours, so their `gpu_memory` is null; ComfyUI jobs record GPU memory
 * before, after and delta (MiB). No artifact comes through a file-system handoff (each
 * artifact's `done_marker` is null); the stage's own check is the record's `done_marker`.
 *
 * @returns the path of the file written
 */
export async function writeImageTelemetry(input: ImageTelemetryInput): Promise<string> {
  const { folder } = input
  // Described concurrently (each file is read, hashed and measured), listed in this order.
  const described: Promise<Artifact>[] = []
  const listed = new Set<string>()
  const errors: TelemetryError[] = []
  const anyPreview = input.slots.some((s) => s.candidates.some((c) => c.file && c.model.preview))
  for (const slot of input.slots) {
    for (const candidate of slot.candidates) {
      if (candidate.status === 'ok' && candidate.file !== null) {
        described.push(describeArtifact(folder, candidate.file, candidateExtra(candidate, slot)))
        listed.add(candidate.file)
      } else if (candidate.error) {
        errors.push({
          code: candidate.error.code,
          message:
            `image ${candidate.index}${candidate.attempt > 1 ? ` regeneration` : ''} ` +
            `(${candidate.model.label}): ${candidate.error.detail}`,
        })
      }
    }
  }
  const primary = input.primary
  if (primary?.file && !listed.has(FILES.primaryImage)) {
    described.push(describePrimaryCopy(folder, primary, primary.file))
    listed.add(FILES.primaryImage)
  }
  for (const file of input.otherFiles) {
    if (listed.has(file)) continue
    listed.add(file)
    described.push(describeArtifact(folder, file, { preview: anyPreview }))
  }
  const artifacts = await Promise.all(described)
  if (input.cancelled && !errors.some((e) => e.code === 'RUN_001')) {
    errors.push({ code: 'RUN_001', message: 'The run was cancelled.' })
  }
  const record = buildArtifactMetadata({
    stage: input.stage,
    run: input.run,
    endedAt: input.endedAt,
    artifacts,
    errors,
    doneMarker: input.doneMarker,
  })
  return (await writeArtifactMetadata(folder, record, input.redactor)).file
}

/**
 * The artifact of the v2 copy of the primary image under its legacy name
 * (`images/generated-image.png` of `folder`): made by the primary's model, but its generation,
 * attempts and cost are accounted on `source`, the primary's own file.
 *
 * @throws the errors of {@link describeArtifact}
 */
export async function describePrimaryCopy(
  folder: string,
  primary: ImageRecord,
  source: string,
): Promise<Artifact> {
  return describeArtifact(folder, FILES.primaryImage, {
    model: {
      alias: primary.model,
      provider: primary.provider,
      server: primary.server,
      tool: primary.tools[0] ?? null,
      workflow: null,
    },
    preview: primary.preview,
    derived_from: source,
  })
}

function candidateExtra(candidate: ScoredCandidate, slot: Slot): ArtifactExtra {
  const image = candidate.image
  return {
    model: modelOf(candidate.model, image?.server ?? null, image?.tools ?? []),
    timings: {
      queue_wait_ms: candidate.queueWaitMs,
      generation_ms: image?.generationMs ?? null,
      download_ms: image?.downloadMs ?? null,
      total_ms: candidate.totalMs,
    },
    attempts: candidate.attempts,
    retries: candidate.retried.length,
    errors: candidate.retried.map((e) => e.toJSON()),
    gpu_memory: image?.gpuMemory ?? null,
    done_marker: null,
    cost: costOf(candidate.model, image),
    preview: candidate.model.preview,
    image_index: candidate.index,
    candidate_attempt: candidate.attempt,
    kept: candidate === slot.kept,
    quality_score: candidate.quality ? Math.round(candidate.quality.overall * 1000) / 1000 : null,
    ...(candidate.model.label !== candidate.requested.label
      ? { fallback_from: candidate.requested.label }
      : {}),
  }
}

function modelOf(model: ResolvedModel, server: string | null, tools: string[]): ModelTelemetry {
  return {
    alias: model.label,
    provider: model.preview ? 'preview' : model.entry.provider,
    server,
    tool: tools[0] ?? null,
    workflow: model.entry.workflow ?? null,
  }
}

/**
 * The cost of one image at the registry price of its model (issue 11): per image or call the
 * price, per megapixel the price × the image's megapixels; unknown (null) without a price.
 */
function costOf(model: ResolvedModel, image: { width: number; height: number } | null): Cost {
  if (model.preview) return PREVIEW_COST
  const price = entryPrice(model.entry)
  const pixels = image ? image.width * image.height : null
  const usd = jobCost(price, { images: 1, pixels, seconds: null }).usd
  if (!price) return { usd: null, basis: 'price unknown: no price in the model registry' }
  const basis = `price of ${model.entry.alias} in the model registry (${describePrice(price)}, one image)`
  return usd === null
    ? { usd: null, basis: `price unknown for this image: ${basis}` }
    : { usd, basis }
}
