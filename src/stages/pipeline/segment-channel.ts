import { KamuiError } from '../../core/errors.js'
import type {
  KeyframeSegmentHandoff as VideoKeyframeSegment,
  ReadyKeyframeSegment as ReadySegment,
} from '../../contracts/keyframes-handoff.js'

/**
 * The keyframes of a pipeline run on their way from the keyframes stage to the video stage:
 * one promise per storyboard segment (1..count), resolved when the keyframes stage announces
 * the segment (both its frames exist) and rejected with VID_003 for every segment still
 * missing when the keyframes stage ends.
 */
export class SegmentChannel {
  /** One promise per segment, in segment order. */
  readonly segments: readonly Promise<VideoKeyframeSegment>[]
  /** Settles with true at the first announced segment, or false when the stage ends without one. */
  readonly started: Promise<boolean>
  private readonly pending = new Map<
    number,
    { resolve(segment: VideoKeyframeSegment): void; reject(error: unknown): void }
  >()
  private announced = false
  private startedWith: (value: boolean) => void = () => undefined

  constructor(count: number) {
    this.segments = Array.from(
      { length: count },
      (_, i) =>
        new Promise<VideoKeyframeSegment>((resolve, reject) => {
          this.pending.set(i + 1, { resolve, reject })
        }),
    )
    // A segment nobody waits for (the video stage did not take the stream) is no unhandled rejection.
    for (const segment of this.segments) segment.catch(() => undefined)
    this.started = new Promise((resolve) => (this.startedWith = resolve))
  }

  /** The keyframes stage's announcement of a segment (see `announceReadySegments`). */
  readonly ready = (segment: ReadySegment): void => {
    const waiting = this.pending.get(segment.index)
    if (!waiting) return
    this.pending.delete(segment.index)
    const { firstFrame, lastFrame } = segment
    waiting.resolve({
      index: segment.index,
      description: segment.description,
      duration: segment.duration,
      status: segment.status,
      firstFrame: { path: firstFrame.path, url: firstFrame.url },
      lastFrame: { path: lastFrame.path, url: lastFrame.url },
    })
    this.announced = true
    this.startedWith(true)
  }

  /**
   * The keyframes stage ended: every segment not announced fails with VID_003.
   *
   * @param reasonOf why segment n is missing (its recorded error, the stage's error)
   */
  close(reasonOf: (index: number) => string): void {
    for (const [index, waiting] of this.pending) {
      waiting.reject(
        new KamuiError(
          'VID_003',
          `keyframes segment ${index} failed in the keyframes stage: ${reasonOf(index)}. Retry it there (retry-segments) first.`,
        ),
      )
    }
    this.pending.clear()
    this.startedWith(this.announced)
  }
}
