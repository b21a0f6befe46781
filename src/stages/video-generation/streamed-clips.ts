import { KamuiError } from '../../core/errors.js'
import { makeClip, type MakeClipContext } from './clip.js'
import type { ResolvedFrame } from './frames.js'
import type { KeyframeSegmentHandoff } from '../../contracts/keyframes-handoff.js'
import { planSegment, type ClipPlan } from './keyframes.js'
import type { ClipRecord } from './report.js'

/** What {@link makeStreamedClips} needs besides the segments. */
export interface StreamedClipsContext {
  clip: MakeClipContext
  /** Absolute folder of the keyframes.json the segments belong to (their paths are relative to it). */
  base: string
  workspace: string
  /** The video-prompt input; a segment's description is appended to it. */
  prompt: string
  /** Seconds, for segments without a duration. */
  defaultDurationS: number
  /** The model needs a last frame for every clip: its label, for the CFG_001 message. */
  requiresLastFrameOf: string | undefined
  /** Resolves a plan's frames (as for the clips planned from a file). */
  resolveFrames(plan: ClipPlan): Promise<{ first: ResolvedFrame; last: ResolvedFrame | undefined }>
}

/**
 * Makes a clip for each segment of keyframes that are still being made, each as soon as its
 * segment resolves (both its frames exist): plans it like a segment of a keyframes.json,
 * checks and resolves its frames, then makes it on the shared queue. Each plan is added to
 * `plans` as it arrives; `plans` is in segment order when this returns.
 *
 * @param segments one promise per segment, rejecting when the segment failed
 * @returns the clip records in segment order
 * @throws the first failed segment's error (VID_003 for a failed or frameless segment, the
 *   reason a segment rejected with) once every other clip has settled; clips made are kept
 */
export async function makeStreamedClips(
  segments: readonly Promise<KeyframeSegmentHandoff>[],
  plans: ClipPlan[],
  ctx: StreamedClipsContext,
): Promise<ClipRecord[]> {
  const settled = await Promise.allSettled(
    segments.map(async (pending) => {
      const plan = planSegment(
        await pending,
        ctx.base,
        ctx.workspace,
        ctx.prompt,
        ctx.defaultDurationS,
      )
      if (ctx.requiresLastFrameOf !== undefined && plan.last.length === 0) {
        throw new KamuiError(
          'CFG_001',
          `${ctx.requiresLastFrameOf} makes a clip between a first and a last frame: the keyframes of segment ` +
            `${plan.segment} have none.`,
        )
      }
      plans.push(plan)
      const frames = await ctx.resolveFrames(plan)
      return makeClip(plan, frames.first, frames.last, ctx.clip)
    }),
  )
  plans.sort((a, b) => a.segment - b.segment)
  const failure = settled.find((s) => s.status === 'rejected')
  if (failure) throw failure.reason
  return settled
    .flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
    .sort((a, b) => a.segment - b.segment)
}
