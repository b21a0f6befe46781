import { KamuiError } from '../../core/errors.js'
import { FrameStepError, type MadeFrame } from './frame-steps.js'
import { SkippedError, type NodeOutcome } from './graph.js'
import type { KeyframeRecord, KeyframeSegmentRecord } from './keyframes-file.js'
import { KeptFailure, reasonText, stepId } from './plan.js'
import type { FrameKind } from './prompts.js'
import type { Segment } from './storyboard.js'

/**
 * Turning the graph's outcomes into the segment records of keyframes.json: made frames as
 * they are, failed frames with their reason, and each segment `complete` or `failed` (KF_003
 * with the reasons of its frames).
 */

/** The record of a frame that was not made. */
export function missingFrame(kind: FrameKind, reason: unknown): KeyframeRecord {
  if (reason instanceof KeptFailure) return reason.record
  const base: KeyframeRecord = {
    kind,
    status: 'failed',
    path: null,
    url: null,
    sha256: null,
    width: null,
    height: null,
    inherited: false,
    inheritedFrom: null,
    fallback: null,
    reused: false,
    composition: null,
    prompt: null,
    seed: null,
    enhancer: null,
    model: null,
    preview: false,
    cache: { enhancement: null, render: null },
    timings: {
      enhancementMs: null,
      queueWaitMs: null,
      renderMs: null,
      downloadMs: null,
      totalMs: null,
    },
    attempts: 0,
    retries: 0,
    retriedErrors: [],
    costs: [],
    error: null,
  }
  if (reason instanceof FrameStepError) {
    return {
      ...base,
      ...(reason.partial ?? {}),
      attempts: reason.attempts,
      retries: reason.retriedErrors.length,
      retriedErrors: reason.retriedErrors.map((e) => e.toJSON()),
      costs: [...reason.costs],
      error: { code: reason.error.code, message: `${reason.step} failed: ${reason.error.detail}` },
    }
  }
  if (reason instanceof SkippedError) {
    const what = reason.dependency.startsWith('compose:')
      ? 'its composition'
      : 'the first frame of this segment'
    const code = dependencyCode(reason.dependencyReason)
    return {
      ...base,
      status: 'skipped',
      error: {
        code,
        message: `not rendered because ${what} failed: ${reasonText(reason.dependencyReason)}`,
      },
    }
  }
  if (reason instanceof KamuiError) return { ...base, error: reason.toJSON() }
  return { ...base, error: { code: 'GEN_001', message: reasonText(reason) } }
}

function dependencyCode(reason: unknown): string {
  if (reason instanceof FrameStepError) return reason.error.code
  if (reason instanceof KamuiError) return reason.code
  if (reason instanceof KeptFailure) return reason.record.error?.code ?? 'KF_003'
  if (reason instanceof SkippedError) return dependencyCode(reason.dependencyReason)
  return 'GEN_001'
}

/** The made frames of the run by step id (for telemetry), and the segment records. */
export function segmentRecords(
  segments: readonly Segment[],
  outcomes: ReadonlyMap<string, NodeOutcome>,
  retried: ReadonlySet<number>,
): { records: KeyframeSegmentRecord[]; made: Map<string, MadeFrame> } {
  const made = new Map<string, MadeFrame>()
  const records = segments.map((segment): KeyframeSegmentRecord => {
    const frames = (['first', 'last'] as const).map((kind) => {
      const id = stepId.frame(segment.index, kind)
      const outcome = outcomes.get(id)
      if (outcome?.status === 'fulfilled') {
        const frame = outcome.value as MadeFrame
        made.set(id, frame)
        return frame.record
      }
      return missingFrame(kind, outcome?.status === 'rejected' ? outcome.reason : 'not run')
    }) as [KeyframeRecord, KeyframeRecord]
    const [firstFrame, lastFrame] = frames
    const failed = frames.filter((f) => f.path === null)
    return {
      index: segment.index,
      type: segment.type,
      label: segment.label,
      description: segment.description,
      duration: segment.duration,
      title: segment.title,
      status: failed.length === 0 ? 'complete' : 'failed',
      error:
        failed.length === 0
          ? null
          : {
              code: 'KF_003',
              message:
                `segment ${segment.index} (${segment.label}) failed: ` +
                failed
                  .map(
                    (f) =>
                      `${f.kind} frame: ${f.error?.code ?? 'GEN_001'}: ${f.error?.message ?? 'not made'}`,
                  )
                  .join('; '),
            },
      retried: retried.has(segment.index),
      firstFrame,
      lastFrame,
    }
  })
  return { records, made }
}
