import { createHash } from 'node:crypto'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'

/** The sentence every preview result carries: the output is not from an image model. */
export const PREVIEW_NOTICE =
  "Preview output rendered offline by kamui's preview server; not produced by an image model."

/** A rendered preview with the request values its result reports. */
export interface RenderedPreview {
  /** PNG file bytes. */
  png: Buffer
  /** Width in pixels. */
  width: number
  /** Height in pixels. */
  height: number
  /** The composition seed used. */
  seed: number
  /** The alias the preview stands in for, or null. */
  standInFor: string | null
}

/**
 * The identifier of a preview PNG: `preview://image/<first 16 hex digits of sha256(png)>.png`.
 * Not fetchable; the bytes travel inside the result.
 */
export function previewImageUri(png: Uint8Array): string {
  return `preview://image/${createHash('sha256').update(png).digest('hex').slice(0, 16)}.png`
}

/**
 * The MCP tool result of a finished preview: an embedded `resource` (`image/png`, base64
 * `blob`, {@link previewImageUri}) followed by a `text` item holding JSON
 * `{ preview: true, notice, url, seed, width, height, stand_in_for }` (sizes in pixels).
 */
export function previewImageResult(rendered: RenderedPreview): CallToolResult {
  const uri = previewImageUri(rendered.png)
  const meta = {
    preview: true,
    notice: PREVIEW_NOTICE,
    url: uri,
    seed: rendered.seed,
    width: rendered.width,
    height: rendered.height,
    stand_in_for: rendered.standInFor,
  }
  return {
    content: [
      {
        type: 'resource',
        resource: { uri, mimeType: 'image/png', blob: rendered.png.toString('base64') },
      },
      { type: 'text', text: JSON.stringify(meta) },
    ],
  }
}

/** A tool error result: `isError: true` with one text item. */
export function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}
