import { createHash } from 'node:crypto'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { z } from 'zod'
import { errorMessage } from '../../../core/errors.js'
import { downloadMedia } from '../../../media/download.js'
import type { DepthMap } from '../../../media/pointcloud/depth-map.js'
import { PREVIEW_DEPTH_NOTICE, PREVIEW_DEPTH_TOOL } from '../../depth/preview-notice.js'
import { encodeGray16Png } from '../../../media/pointcloud/gray-png.js'
import { luma709 } from '../../../media/pointcloud/luma.js'
import type { RgbImage } from '../../../media/raster/rgb-image.js'
import { withoutPreviewLabel } from '../../../media/preview/label-find.js'
import { decodePngRgb } from '../../../media/video/png-rgb.js'
import { toolError } from '../result.js'
import { registerPreviewTool, type PreviewTasks } from '../tasks.js'

/** Weight of the vertical gradient in the placeholder depth (the rest is brightness). */
export const PREVIEW_DEPTH_GRADIENT_WEIGHT = 0.6

/**
 * Options of {@link registerPreviewDepthTools}: the preview server's options. The depth tool is
 * synchronous, so `latencyMs` (the queued time of submitted jobs) does not apply to it.
 */
export interface PreviewDepthToolOptions {
  latencyMs?: number
  /** Tasks mode: the tool declares MCP task support (see `../tasks.ts`). */
  tasks?: PreviewTasks | undefined
}

/**
 * The placeholder depth of the preview server, documented as such: for the pixel at row `y` of
 * an image `H` rows high,
 *
 *   d = 0.6 · y / (H − 1) + 0.4 · luma709(R, G, B)
 *
 * (a ground-plane guess, nearer towards the bottom, blended with brightness), 0–1, 1 = near.
 * Not a depth model: outputs that use it are labelled PREVIEW. The PREVIEW label stamped on a
 * preview image is left out of the brightness (its box takes the row below it, see
 * label-find.ts), so the stamp does not show in the point cloud's geometry.
 */
export function previewDepth(image: RgbImage): DepthMap {
  // The PREVIEW stamp of a preview image is not scenery: it would leave a dent in the geometry.
  const { width, height, data } = withoutPreviewLabel(image)
  const values = new Float32Array(width * height)
  const w = PREVIEW_DEPTH_GRADIENT_WEIGHT
  for (let y = 0; y < height; y++) {
    const gradient = height > 1 ? y / (height - 1) : 0.5
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      const luma = luma709(
        data[i * 3] as number,
        data[i * 3 + 1] as number,
        data[i * 3 + 2] as number,
      )
      values[i] = w * gradient + (1 - w) * luma
    }
  }
  return { width, height, values }
}

/**
 * Registers `preview_estimate_depth` on the preview server: argument `image_url` (an http(s) or
 * `data:` URL of a PNG); result: an embedded 16-bit grey PNG of the same size
 * (`preview://depth/<hash>.png`, white = near) computed by {@link previewDepth}, and a text item
 * with JSON `{ preview: true, notice, url, method, width, height, near: "white" }`. In tasks
 * mode (`options.tasks`) the tool declares MCP task support (see `../tasks.ts`).
 */
export function registerPreviewDepthTools(
  server: McpServer,
  options: PreviewDepthToolOptions = {},
): void {
  registerPreviewTool(server, options.tasks, {
    name: PREVIEW_DEPTH_TOOL,
    title: 'Preview depth map (placeholder)',
    description:
      'Returns a PREVIEW placeholder depth map for a PNG (a vertical gradient blended with brightness, ' +
      'white = near, 16-bit grey PNG). Not a depth model.',
    inputSchema: {
      image_url: z.string().min(1).describe('The image: http(s) or data: URL of a PNG.'),
    },
    run: async ({ image_url }, status): Promise<CallToolResult> => {
      try {
        await status('estimating depth')
        const { bytes } = await downloadMedia(image_url, { accept: 'image' })
        const depth = previewDepth(decodePngRgb(bytes, 'image_url'))
        const png = encodeGray16Png(depth)
        const uri = `preview://depth/${createHash('sha256').update(png).digest('hex').slice(0, 16)}.png`
        const meta = {
          preview: true,
          notice: PREVIEW_DEPTH_NOTICE,
          url: uri,
          method: `${PREVIEW_DEPTH_GRADIENT_WEIGHT} * row / (height - 1) + ${1 - PREVIEW_DEPTH_GRADIENT_WEIGHT} * Rec.709 luma`,
          width: depth.width,
          height: depth.height,
          near: 'white',
        }
        return {
          content: [
            {
              type: 'resource',
              resource: { uri, mimeType: 'image/png', blob: png.toString('base64') },
            },
            { type: 'text', text: JSON.stringify(meta) },
          ],
        }
      } catch (error) {
        return toolError(`Preview depth failed: ${errorMessage(error)}`)
      }
    },
  })
}
