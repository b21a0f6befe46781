/**
 * Keyframe aspect ratios and their pixel sizes (SPEC §6; the resolution mapping of the
 * image-guided pipeline): every keyframe of a run is written at exactly this size.
 */
export const KEYFRAME_SIZES = {
  '16:9': { width: 1280, height: 720 },
  '9:16': { width: 720, height: 1280 },
  '1:1': { width: 1280, height: 1280 },
} as const

/** One of the aspect ratios keyframes are made in. */
export type KeyframeAspectRatio = keyof typeof KEYFRAME_SIZES

/** The accepted aspect ratios, in documentation order. */
export const KEYFRAME_ASPECT_RATIOS = Object.keys(KEYFRAME_SIZES) as KeyframeAspectRatio[]

/** Whether `value` is one of {@link KEYFRAME_ASPECT_RATIOS}. */
export function isKeyframeAspectRatio(value: string): value is KeyframeAspectRatio {
  return Object.hasOwn(KEYFRAME_SIZES, value)
}
