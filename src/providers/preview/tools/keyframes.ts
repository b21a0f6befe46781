import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { ASPECT_RATIOS, MAX_TOOL_SIDE, MIN_TOOL_SIDE, resolvePreviewSize } from '../args.js'
import { stampPreviewLabel } from '../../../media/preview/label.js'
import { encodeRgbPng } from '../../../media/preview/png.js'
import { renderPreviewRgb } from '../../../media/preview/render.js'
import { PREVIEW_NOTICE, previewImageResult, toolError } from '../result.js'
import { SerialQueue } from '../serial-queue.js'
import {
  blendFullFrame,
  decodePngDataUrl,
  FIRST_FRAME_OPACITY,
  pasteReferences,
  type RgbaImage,
} from './keyframes-blend.js'
import { previewComposition } from './keyframes-composition.js'

/** Tool names of the preview keyframe tools. */
export const PREVIEW_KEYFRAME_TOOLS = {
  enhance: 'preview_enhance_keyframe',
  render: 'preview_render_keyframe',
} as const

/** Options of {@link registerPreviewKeyframeTools} (the preview server's; both tools are synchronous). */
export interface PreviewKeyframeToolOptions {
  latencyMs?: number
}

/** Most reference images one render takes. */
export const MAX_PREVIEW_REFERENCES = 10

const optionalText = z.string().nullable().optional()

const enhanceShape = {
  prompt: z
    .string()
    .min(1)
    .describe('The enhancer prompt (used when the named fields are missing).'),
  frame_type: z.enum(['first', 'last']).optional().describe('Which frame of the segment.'),
  segment_type: z.enum(['hook', 'body', 'cta']).nullable().optional(),
  segment_label: optionalText,
  segment_description: optionalText,
  next_segment_description: optionalText.describe(
    'The next segment (last frames); null for the CTA.',
  ),
  visual_style: optionalText,
  product_image_count: z.number().int().nonnegative().nullable().optional(),
}

const renderShape = {
  prompt: z
    .string()
    .min(1)
    .refine((v) => v.trim() !== '', 'prompt must not be blank'),
  seed: z.number().int().optional().describe('Composition seed (integer). Default 0.'),
  width: z.number().int().min(MIN_TOOL_SIDE).max(MAX_TOOL_SIDE).optional(),
  height: z.number().int().min(MIN_TOOL_SIDE).max(MAX_TOOL_SIDE).optional(),
  aspect_ratio: z.enum(ASPECT_RATIOS).optional(),
  image_urls: z
    .array(z.string())
    .max(MAX_PREVIEW_REFERENCES)
    .optional()
    .describe('Product reference photos as base64 PNG data: URLs (pasted into the picture).'),
  first_frame_url: z
    .string()
    .optional()
    .describe(
      "For a last frame: its segment's first frame as a base64 PNG data: URL (blended in).",
    ),
  model: z
    .string()
    .optional()
    .describe('Alias of the model this preview stands in for (printed on the image).'),
}

/**
 * Registers the preview server's keyframe tools (both synchronous, offline, labelled preview):
 *
 * - `preview_enhance_keyframe` (the enhancer prompt and its named fields: `frame_type`,
 *   `segment_type`, `segment_label`, `segment_description`, `next_segment_description`,
 *   `visual_style`, `product_image_count`): answers text JSON
 *   `{ composition, preview: true, notice }`, the composition being a template filled in with
 *   the fields (see {@link previewComposition}); no model writes it.
 * - `preview_render_keyframe` (`prompt`, `seed`, `width` / `height` or `aspect_ratio`,
 *   `image_urls`, `first_frame_url`, `model`): renders the procedural preview picture for the
 *   prompt, blends the first frame in at {@link FIRST_FRAME_OPACITY} (last frames), pastes the
 *   product photos along the bottom, stamps the PREVIEW label, and answers like
 *   `preview_generate_image` (embedded PNG resource plus JSON) with one more text item
 *   `{ preview: true, references, first_frame }`. References must be PNG data: URLs: the
 *   server does not download.
 */
export function registerPreviewKeyframeTools(
  server: McpServer,
  _options: PreviewKeyframeToolOptions = {},
): void {
  const queue = new SerialQueue()

  server.registerTool(
    PREVIEW_KEYFRAME_TOOLS.enhance,
    {
      title: 'Preview keyframe composition (template)',
      description:
        "Fills a fixed composition template with the frame's segment, neighbour and style, offline. " +
        'Labelled PREVIEW: no model writes it.',
      inputSchema: enhanceShape,
    },
    (args): CallToolResult => compositionResult(args),
  )

  server.registerTool(
    PREVIEW_KEYFRAME_TOOLS.render,
    {
      title: 'Preview keyframe (image to image)',
      description:
        'Renders a deterministic PREVIEW keyframe offline: the procedural preview picture for the prompt with ' +
        'the product photos pasted in and, for a last frame, its first frame blended in. Not a model.',
      inputSchema: renderShape,
    },
    async (args): Promise<CallToolResult> => {
      let references: RgbaImage[]
      let first: RgbaImage | undefined
      try {
        references = (args.image_urls ?? []).map((url) => decodePngDataUrl(url))
        first = args.first_frame_url ? decodePngDataUrl(args.first_frame_url) : undefined
      } catch (error) {
        return toolError(`preview_render_keyframe: ${(error as Error).message}`)
      }
      const { width, height } = resolvePreviewSize(args)
      const seed = args.seed ?? 0
      const standInFor = args.model?.trim() || null
      const png = await queue.run(() => {
        const image = renderPreviewRgb({ prompt: args.prompt, seed, width, height, standInFor })
        if (first) blendFullFrame(image, first, FIRST_FRAME_OPACITY)
        pasteReferences(image, references)
        stampPreviewLabel(image, standInFor)
        return encodeRgbPng(image)
      })
      const result = previewImageResult({ png, width, height, seed, standInFor })
      result.content.push({
        type: 'text',
        text: JSON.stringify({
          preview: true,
          notice: PREVIEW_NOTICE,
          references: references.length,
          first_frame: first !== undefined,
        }),
      })
      return result
    },
  )
}

/** The answer of the preview composition tool: the filled template, labelled as preview. */
function compositionResult(args: z.infer<z.ZodObject<typeof enhanceShape>>): CallToolResult {
  const composition = previewComposition({
    frameType: args.frame_type ?? 'first',
    segmentLabel: args.segment_label ?? null,
    segmentType: args.segment_type ?? null,
    segmentDescription: args.segment_description ?? null,
    nextSegmentDescription: args.next_segment_description ?? null,
    visualStyle: args.visual_style ?? null,
    productImageCount: args.product_image_count ?? null,
    prompt: args.prompt,
  })
  return {
    content: [
      {
        type: 'text',
        text: JSON.stringify({
          composition,
          preview: true,
          notice: 'Preview composition: an offline template, not written by a model.',
        }),
      },
    ],
  }
}
