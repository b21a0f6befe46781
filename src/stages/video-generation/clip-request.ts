import type { AspectRatio } from '../../media/video/size.js'
import type { ClipFrame, ClipRequest } from '../../providers/video/provider.js'
import type { ResolvedFrame } from './frames.js'
import type { ClipPlan } from './keyframes.js'

/** The frames of one clip: the first, and the last when the clip must end on it. */
export interface RequestFrames {
  first: ResolvedFrame
  last?: ResolvedFrame | undefined
}

/** The run's settings a clip request carries. */
export interface RequestSettings {
  /** Frames per second of the clip. */
  fps: number
  aspect?: AspectRatio | undefined
  /** Segments of the whole video (the highest segment number), for "segment 2/5" progress lines. */
  segments?: number | undefined
}

/**
 * The provider's request for a planned clip, the one both the real run (`makeClip`) and the dry
 * run (`planClipJobs`) send, so that the job keys planned are the keys the real run journals:
 * the plan's prompt and duration (seconds), its frames (PNG bytes, size in pixels, the URL the
 * model gets), the run's fps and aspect ratio, and the segment number as the seed.
 */
export function clipRequest(
  plan: ClipPlan,
  frames: RequestFrames,
  settings: RequestSettings,
): ClipRequest {
  return {
    segment: plan.segment,
    ...(settings.segments ? { segments: settings.segments } : {}),
    prompt: plan.prompt,
    first: clipFrame(frames.first),
    ...(frames.last ? { last: clipFrame(frames.last) } : {}),
    durationS: plan.durationS,
    fps: settings.fps,
    ...(settings.aspect ? { aspect: settings.aspect } : {}),
    seed: plan.segment,
  }
}

function clipFrame(frame: ResolvedFrame): ClipFrame {
  return { png: frame.png, width: frame.width, height: frame.height, url: frame.modelUrl }
}
