import type { Redactor } from '../../core/redactor.js'
import {
  buildArtifactMetadata,
  describeArtifact,
  writeArtifactMetadata,
  type ArtifactExtra,
} from '../../output/telemetry/artifacts.js'
import type { RunInfo } from '../../output/telemetry/run-info.js'
import type { Artifact, Cost, StageDoneMarker, TelemetryError } from '../../contracts/telemetry.js'
import { combinedCost } from './costs.js'
import type { MadeFrame } from './frame-steps.js'
import type { KeyframeRecord, KeyframesFile } from './keyframes-file.js'
import { stepId } from './plan.js'

/** What {@link writeKeyframesTelemetry} needs. */
export interface KeyframesTelemetryInput {
  /** Absolute stage folder. */
  folder: string
  run: RunInfo
  endedAt: Date
  keyframes: KeyframesFile
  /** The frames made or kept in this run, by step id (GPU memory of renders). */
  made: ReadonlyMap<string, MadeFrame>
  /** Other files written, relative to the folder (keyframes.json, stories.json). */
  otherFiles: readonly string[]
  redactor: Redactor
  cancelled: boolean
  /** The done-marker check of the stage's input (`done_marker` of the stage record). */
  doneMarker: StageDoneMarker
}

/**
 * Writes `metadata/artifact-metadata.json` (SPEC §7) for a keyframes run: every frame file with
 * its render model, timings (queue wait, render as `generation_ms`, download and conversion,
 * total), attempts, retried errors, GPU memory (from the renderer; null for MCP and preview)
 * and cost (composition plus render); inherited frames as copies (`derived_from`, no cost of
 * their own); frames kept from an earlier run with `reused: true`; keyframes.json and
 * stories.json as reports; failed segments as KF_003 errors, cancellation as RUN_001.
 *
 * @returns the path of the file written
 */
export async function writeKeyframesTelemetry(input: KeyframesTelemetryInput): Promise<string> {
  const { folder, keyframes } = input
  const artifacts: Artifact[] = []
  const errors: TelemetryError[] = []
  for (const segment of keyframes.segments) {
    for (const frame of [segment.firstFrame, segment.lastFrame]) {
      if (frame.path === null) continue
      const made = input.made.get(stepId.frame(segment.index, frame.kind))
      artifacts.push(
        await describeArtifact(folder, frame.path, frameExtra(segment.index, frame, made)),
      )
    }
    if (segment.error) errors.push({ code: segment.error.code, message: segment.error.message })
  }
  for (const file of input.otherFiles) {
    artifacts.push(await describeArtifact(folder, file, { preview: keyframes.preview }))
  }
  if (input.cancelled) errors.push({ code: 'RUN_001', message: 'The run was cancelled.' })
  const record = buildArtifactMetadata({
    stage: 'keyframes',
    run: input.run,
    endedAt: input.endedAt,
    artifacts,
    errors,
    doneMarker: input.doneMarker,
  })
  return (await writeArtifactMetadata(folder, record, input.redactor)).file
}

function frameExtra(
  segment: number,
  frame: KeyframeRecord,
  made: MadeFrame | undefined,
): ArtifactExtra {
  const common: ArtifactExtra = {
    model: frame.model,
    preview: frame.preview,
    segment,
    frame: frame.kind,
    inherited: frame.inherited,
    reused: frame.reused,
    gpu_memory: made?.gpuMemory ?? null,
    done_marker: null,
  }
  if (frame.inherited && frame.inheritedFrom) {
    return {
      ...common,
      derived_from: frame.inheritedFrom.path,
      timings: {
        queue_wait_ms: null,
        generation_ms: null,
        download_ms: null,
        total_ms: frame.timings.totalMs,
      },
      cost: null,
    }
  }
  if (frame.reused) {
    return {
      ...common,
      cost: { usd: 0, basis: 'kept from an earlier run (retry-segments): no call in this run' },
    }
  }
  const cost: Cost | null = combinedCost(frame.costs)
  return {
    ...common,
    timings: {
      queue_wait_ms: frame.timings.queueWaitMs,
      generation_ms: frame.timings.renderMs,
      download_ms: frame.timings.downloadMs,
      total_ms: frame.timings.totalMs,
    },
    enhancement_ms: frame.timings.enhancementMs,
    attempts: frame.attempts,
    retries: frame.retries,
    errors: frame.retriedErrors,
    cost,
    cache: frame.cache,
    enhancer: frame.enhancer,
  }
}
