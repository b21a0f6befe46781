/**
 * Decoding ComfyUI WebSocket frames (ComfyUI `server.py` `send_sync`).
 *
 * Text frames are `{"type": …, "data": …}`. Binary frames start with a big-endian uint32 event
 * type:
 * - 1 `PREVIEW_IMAGE`: bytes 4–7 a BE uint32 image format (1 = JPEG, 2 = PNG), image from 8
 *   (the official frontend reads the format at offset 4; comfyui-sdk reads offset 0 and
 *   stable-canvas offset 1, both wrong)
 * - 3 `TEXT` (progress text): BE uint32 node-id length, the node id (UTF-8), then the text
 * - 4 `PREVIEW_IMAGE_WITH_METADATA`: BE uint32 JSON length, JSON `{node_id, prompt_id,
 *   display_node_id, …, image_type}`, then the image; sent instead of type 1 once the client
 *   announced `supports_preview_metadata`
 *
 * Type 2 is internal to the server and never sent; other types are reported as unknown.
 */

/** A decoded text frame. */
export interface MessageEvent {
  kind: 'message'
  type: string
  data: Record<string, unknown>
}

/** A preview image (binary type 1 or 4). */
export interface PreviewEvent {
  kind: 'preview'
  binaryType: 1 | 4
  /** `image/jpeg` or `image/png` (or what type 4's metadata says). */
  mediaType: string
  bytes: Buffer
  /** Type 4 only: the prompt and node the preview belongs to. */
  promptId?: string
  nodeId?: string
}

/** A progress text (binary type 3). */
export interface ProgressTextEvent {
  kind: 'progress_text'
  nodeId: string
  text: string
}

/** A binary frame of a type this client does not know, or one too short to decode. */
export interface UnknownBinaryEvent {
  kind: 'unknown_binary'
  binaryType: number
  bytes: number
}

export type ComfyEvent = MessageEvent | PreviewEvent | ProgressTextEvent | UnknownBinaryEvent

/**
 * Decodes a text frame; `undefined` when it is not JSON or has no string `type`.
 * A missing or non-object `data` becomes `{}`.
 */
export function decodeTextFrame(text: string): MessageEvent | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (json === null || typeof json !== 'object') return undefined
  const { type, data } = json as { type?: unknown; data?: unknown }
  if (typeof type !== 'string') return undefined
  return {
    kind: 'message',
    type,
    data: data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {},
  }
}

/** Decodes a binary frame (see the module comment for the layouts). */
export function decodeBinaryFrame(frame: Buffer): ComfyEvent {
  if (frame.length < 4) return { kind: 'unknown_binary', binaryType: -1, bytes: frame.length }
  const binaryType = frame.readUInt32BE(0)
  if (binaryType === 1 && frame.length >= 8) {
    const format = frame.readUInt32BE(4)
    return {
      kind: 'preview',
      binaryType: 1,
      mediaType: format === 2 ? 'image/png' : 'image/jpeg',
      bytes: frame.subarray(8),
    }
  }
  if (binaryType === 3 && frame.length >= 8) {
    const length = frame.readUInt32BE(4)
    if (8 + length <= frame.length) {
      return {
        kind: 'progress_text',
        nodeId: frame.subarray(8, 8 + length).toString('utf8'),
        text: frame.subarray(8 + length).toString('utf8'),
      }
    }
  }
  if (binaryType === 4 && frame.length >= 8) {
    const length = frame.readUInt32BE(4)
    if (8 + length <= frame.length) {
      let meta: Record<string, unknown> = {}
      try {
        meta = JSON.parse(frame.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>
      } catch {
        return { kind: 'unknown_binary', binaryType, bytes: frame.length }
      }
      return {
        kind: 'preview',
        binaryType: 4,
        mediaType: typeof meta['image_type'] === 'string' ? meta['image_type'] : 'image/png',
        bytes: frame.subarray(8 + length),
        ...(typeof meta['prompt_id'] === 'string' ? { promptId: meta['prompt_id'] } : {}),
        ...(meta['node_id'] !== undefined ? { nodeId: String(meta['node_id']) } : {}),
      }
    }
  }
  return { kind: 'unknown_binary', binaryType, bytes: frame.length }
}

/**
 * The prompt an event belongs to, or `undefined` when it names none: `status` broadcasts, the
 * `executing {node}` sent on reconnect, binary types 1 and 3, and `progress` from servers older
 * than the `prompt_id` field. Such events are never attributed to a prompt.
 */
export function eventPromptId(event: ComfyEvent): string | undefined {
  if (event.kind === 'message') {
    const id = event.data['prompt_id']
    return typeof id === 'string' ? id : undefined
  }
  if (event.kind === 'preview') return event.promptId
  return undefined
}
