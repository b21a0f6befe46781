/**
 * Names shared by the preview server's placeholder depth tool (src/providers/preview/tools/depth.ts) and
 * the point-cloud stage that calls it.
 */

/** Tool name of the preview server's placeholder depth (synchronous). */
export const PREVIEW_DEPTH_TOOL = 'preview_estimate_depth'

/** The sentence every placeholder depth map carries (tool result, metadata, PLY header). */
export const PREVIEW_DEPTH_NOTICE =
  "PREVIEW depth: a placeholder from kamui's preview server (a vertical gradient, nearer at the " +
  'bottom, blended with brightness). Not produced by a depth model.'
