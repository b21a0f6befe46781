import { z } from 'zod'

/** Aspect ratios the preview tools accept (the hosted Imagen set). */
export const ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'] as const
/** One of {@link ASPECT_RATIOS}. */
export type AspectRatio = (typeof ASPECT_RATIOS)[number]

/** Smallest width or height the preview tools accept, in pixels. */
export const MIN_TOOL_SIDE = 64
/** Largest width or height the preview tools accept, in pixels. */
export const MAX_TOOL_SIDE = 4096
/** Longest side in pixels when no width or height is given. */
export const DEFAULT_LONG_SIDE = 1024

/**
 * Input schema (zod raw shape) of `preview_generate_image` and `preview_image_submit`:
 * `prompt` (required, not blank), `seed` (integer, default 0), `width` / `height` (integers,
 * pixels, 64–4096), `aspect_ratio` (used for sides not given; default `1:1`, longest side
 * 1024 px) and `model` (the alias the preview stands in for).
 */
export const previewImageArgsShape = {
  prompt: z
    .string()
    .min(1)
    .refine((value) => value.trim() !== '', 'prompt must not be blank')
    .describe('What the picture should show. The preview derives its colours and layout from it.'),
  seed: z.number().int().optional().describe('Composition seed (integer). Default 0.'),
  width: z
    .number()
    .int()
    .min(MIN_TOOL_SIDE)
    .max(MAX_TOOL_SIDE)
    .optional()
    .describe('Width in pixels (64–4096).'),
  height: z
    .number()
    .int()
    .min(MIN_TOOL_SIDE)
    .max(MAX_TOOL_SIDE)
    .optional()
    .describe('Height in pixels (64–4096).'),
  aspect_ratio: z
    .enum(ASPECT_RATIOS)
    .optional()
    .describe('Used for the sides not given; the longest side is 1024 px when neither is given.'),
  model: z
    .string()
    .optional()
    .describe('Alias of the model this preview stands in for (printed on the image).'),
}

/** Parsed arguments of the preview image tools. */
export interface PreviewImageArgs {
  prompt: string
  seed?: number | undefined
  width?: number | undefined
  height?: number | undefined
  aspect_ratio?: AspectRatio | undefined
  model?: string | undefined
}

/**
 * The pixel size of a preview request: `width` and `height` as given; a missing side follows
 * from the other through `aspect_ratio` (default `1:1`); with neither, the longest side is
 * {@link DEFAULT_LONG_SIDE}. Derived sides are rounded and clamped to 64–4096 px.
 */
export function resolvePreviewSize(
  args: Pick<PreviewImageArgs, 'width' | 'height' | 'aspect_ratio'>,
): {
  width: number
  height: number
} {
  const [rw, rh] = (args.aspect_ratio ?? '1:1').split(':').map(Number) as [number, number]
  const clamp = (v: number): number =>
    Math.min(MAX_TOOL_SIDE, Math.max(MIN_TOOL_SIDE, Math.round(v)))
  if (args.width !== undefined && args.height !== undefined)
    return { width: args.width, height: args.height }
  if (args.width !== undefined) return { width: args.width, height: clamp((args.width * rh) / rw) }
  if (args.height !== undefined)
    return { width: clamp((args.height * rw) / rh), height: args.height }
  return rw >= rh
    ? { width: DEFAULT_LONG_SIDE, height: clamp((DEFAULT_LONG_SIDE * rh) / rw) }
    : { width: clamp((DEFAULT_LONG_SIDE * rw) / rh), height: DEFAULT_LONG_SIDE }
}
