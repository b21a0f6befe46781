import { z } from 'zod'

/**
 * The keyframes handoff between the keyframes stage (producer) and the video stage (consumer):
 * the part of a `keyframes.json` the video stage reads, and the segment the keyframes stage
 * announces while it runs (the pipeline streams each segment to the video stage as soon as
 * both its frames exist). The keyframes stage writes the whole file (`KeyframesFileSchema` in
 * src/stages/keyframes/keyframes-file.ts); everything beyond these fields is allowed and
 * ignored, so the two stages only agree on these:
 *
 * ```json
 * {
 *   "segments": [
 *     {
 *       "index": 1,                       // 1-based; the clip is videos/segment-{index}.mp4
 *       "description": "…",               // optional: appended to video-prompt for this clip
 *       "duration": 5,                    // optional, seconds (> 0): the clip's length
 *       "status": "complete",             // optional; "failed" segments stop the stage (VID_003)
 *       "firstFrame": { "path": "keyframes/segment-1-first.png", "url": null },
 *       "lastFrame":  { "path": "keyframes/segment-1-last.png",  "url": "https://…" }
 *     }
 *   ]
 * }
 * ```
 *
 * A frame is `{ path, url }` (either may be null or absent, not both) or just a path string.
 * Relative paths are taken from the folder that holds the keyframes.json, and must stay inside
 * the workspace. A frame's `url` (a hosted model's URL, valid about an hour) is offered to hosted
 * video models before the local file.
 */

/** A frame of a segment: `{ path, url }` or a path. */
export const KeyframeRefSchema = z.union([
  z.string().min(1),
  z.looseObject({
    path: z.string().min(1).nullable().optional(),
    url: z.string().min(1).nullable().optional(),
  }),
])
export type KeyframeRef = z.infer<typeof KeyframeRefSchema>

/** One segment as the video stage reads it. */
export const KeyframeSegmentHandoffSchema = z.looseObject({
  index: z.number().int().positive(),
  description: z.string().optional(),
  duration: z.number().positive().optional(),
  status: z.string().optional(),
  error: z
    .looseObject({ code: z.string().optional(), message: z.string().optional() })
    .nullable()
    .optional(),
  firstFrame: KeyframeRefSchema.nullable(),
  lastFrame: KeyframeRefSchema.nullable(),
})
export type KeyframeSegmentHandoff = z.infer<typeof KeyframeSegmentHandoffSchema>

/** The subset of `keyframes.json` the video stage reads. */
export const KeyframesHandoffSchema = z.looseObject({
  segments: z.array(KeyframeSegmentHandoffSchema).min(1),
})
export type KeyframesHandoff = z.infer<typeof KeyframesHandoffSchema>

/**
 * A segment whose two keyframes exist, as the keyframes stage announces it while it runs and as
 * keyframes.json will hold it: frame paths relative to the run folder
 * (`keyframes/segment-1-first.png`) and the hosted model's URLs (or null). It is a
 * {@link KeyframeSegmentHandoff}.
 */
export type ReadyKeyframeSegment = {
  index: number
  description: string
  /** Seconds. */
  duration: number
  status: 'complete'
  firstFrame: { path: string | null; url: string | null }
  lastFrame: { path: string | null; url: string | null }
}
