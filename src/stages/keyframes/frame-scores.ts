import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'
import { errorMessage } from '../../core/errors.js'
import type { Scorer } from '../../quality/types.js'

/** The `quality` of a keyframe in keyframes.json (`quality-scorer` of the keyframes stage). */
export const FrameQualitySchema = z.object({
  /** Prompt alignment 0–1 (against the frame's render prompt), or null with `reason`. */
  alignment: z.number().min(0).max(1).nullable(),
  /** Aesthetic score 0–1, or null with `reason`. */
  aesthetic: z.number().min(0).max(1).nullable(),
  /** What measured them (model, revision, raw figures). */
  source: z.string().nullable(),
  reason: z.string().nullable(),
})
export type FrameQuality = z.infer<typeof FrameQualitySchema>

/** The part of a keyframe these scores need. */
interface ScorableFrame {
  status: string
  path: string | null
  prompt: string | null
  quality?: FrameQuality
}

/**
 * Scores every generated keyframe with `scorer` (the CLIP scorer of `quality-scorer`): its PNG
 * against the render prompt it was made from. Inherited frames (the same bytes as the previous
 * segment's last frame) and missing ones are not scored. A scorer failure is recorded as the
 * reason, not thrown (the frames stay).
 *
 * @returns the segments with `quality` set on their generated frames
 */
export async function scoreKeyframes<
  F extends ScorableFrame,
  S extends { firstFrame: F; lastFrame: F },
>(segments: readonly S[], folder: string, scorer: Scorer, signal: AbortSignal): Promise<S[]> {
  const out: S[] = []
  for (const segment of segments) {
    out.push({
      ...segment,
      firstFrame: await scoreFrame(segment.firstFrame, folder, scorer, signal),
      lastFrame: await scoreFrame(segment.lastFrame, folder, scorer, signal),
    })
  }
  return out
}

async function scoreFrame<F extends ScorableFrame>(
  frame: F,
  folder: string,
  scorer: Scorer,
  signal: AbortSignal,
): Promise<F> {
  if (frame.status !== 'generated' || !frame.path || !frame.prompt) return frame
  try {
    const png = await readFile(path.join(folder, frame.path))
    const result = await scorer.score({ png, prompt: frame.prompt, signal })
    return {
      ...frame,
      quality: {
        alignment: result.alignment ?? null,
        aesthetic: result.aesthetic ?? null,
        source: result.source,
        reason: null,
      },
    }
  } catch (error) {
    if (signal.aborted) throw error
    const reason = `not measured: scorer "${scorer.name}" failed: ${errorMessage(error)}`
    return { ...frame, quality: { alignment: null, aesthetic: null, source: null, reason } }
  }
}
