import { stampPreviewLabel } from '../preview/label.js'
import type { RgbImage } from '../raster/rgb-image.js'
import { encodeRgbFrames } from './encode.js'
import type { FfmpegTools } from './ffmpeg.js'
import { panZoomFrames, panZoomMotion, type PanZoomMotion } from './pan-zoom.js'
import { clipSize, type AspectRatio } from './size.js'

/** The sentence every preview clip carries (MP4 `comment` tag, tool result, reports). */
export const PREVIEW_VIDEO_NOTICE =
  "PREVIEW clip rendered offline by kamui's preview server: a pan-and-zoom over the input image " +
  '(crossfading to the last frame when one is given). Not produced by a video model.'

/** Longest accepted preview clip, seconds. */
export const MAX_PREVIEW_SECONDS = 30
/** Highest accepted preview frame rate. */
export const MAX_PREVIEW_FPS = 60

/** What a preview clip is rendered from. */
export interface PreviewClipRequest {
  /** The first frame's image. */
  first: RgbImage
  /** The last frame's image, when the clip must end on it. */
  last?: RgbImage
  /** Requested length, seconds (0 < d ≤ {@link MAX_PREVIEW_SECONDS}). */
  durationS: number
  /** Frames per second (1–{@link MAX_PREVIEW_FPS}). */
  fps: number
  /** Crop to this aspect ratio (default: the first image's own). */
  aspect?: AspectRatio
  /** Longest side of the clip, pixels (default 1280). */
  maxLongSide?: number
  /** Seeds the motion together with `prompt`. */
  seed: number
  prompt: string
  /** The video model alias the preview stands in for (second label line), or null. */
  standInFor: string | null
}

/** A rendered preview clip. */
export interface PreviewClip {
  width: number
  height: number
  fps: number
  /** `round(durationS · fps)` (at least 1; at least 2 with a last frame). */
  frames: number
  /** `frames / fps`, seconds. */
  durationS: number
  motion: PanZoomMotion
}

/**
 * Renders a preview clip into `output` (MP4, H.264, yuv420p): the pan-and-zoom of
 * {@link panZoomFrames} at the size of {@link clipSize}, every frame stamped with the visible
 * `PREVIEW` label of the preview images (top-left corner; `STAND-IN FOR <ALIAS>` under it when
 * standing in for a model), and the MP4 tagged `title=PREVIEW …`, `comment=<notice>`.
 *
 * @throws KamuiError VID_002 when ffmpeg fails
 */
export async function renderPreviewClip(
  tools: FfmpegTools,
  request: PreviewClipRequest,
  output: string,
  signal?: AbortSignal,
): Promise<PreviewClip> {
  const { width, height } = clipSize(
    request.first.width,
    request.first.height,
    request.aspect,
    request.maxLongSide,
  )
  const frames = Math.max(request.last ? 2 : 1, Math.round(request.durationS * request.fps))
  const motion = panZoomMotion(request.seed, request.prompt, request.last !== undefined)
  await encodeRgbFrames(
    tools,
    panZoomFrames(request.first, request.last, {
      width,
      height,
      frames,
      motion,
      decorate: (frame) => {
        stampPreviewLabel(frame, request.standInFor)
      },
    }),
    output,
    {
      width,
      height,
      fps: request.fps,
      metadata: {
        title: `PREVIEW clip${request.standInFor ? ` (stand-in for ${request.standInFor})` : ''}`,
        comment: PREVIEW_VIDEO_NOTICE,
      },
      ...(signal ? { signal } : {}),
    },
  )
  return { width, height, fps: request.fps, frames, durationS: frames / request.fps, motion }
}
