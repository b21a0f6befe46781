import { describe, expect, it } from 'vitest'
import {
  decodeBinaryFrame,
  decodeTextFrame,
  eventPromptId,
} from '../../../src/providers/comfyui/ws-frames.js'

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n)
  return b
}
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

describe('binary frames (ComfyUI `server.py` `send_sync`)', () => {
  it('type 1 reads the image format at offset 4: 1 = JPEG, 2 = PNG, image from byte 8', () => {
    const jpeg = decodeBinaryFrame(Buffer.concat([u32(1), u32(1), JPEG]))
    expect(jpeg).toEqual({ kind: 'preview', binaryType: 1, mediaType: 'image/jpeg', bytes: JPEG })
    const png = decodeBinaryFrame(Buffer.concat([u32(1), u32(2), PNG]))
    expect(png).toMatchObject({ kind: 'preview', binaryType: 1, mediaType: 'image/png' })
    expect(Buffer.compare((png as { bytes: Buffer }).bytes, PNG)).toBe(0)
  })

  it('type 3 is node-id length, node id, then the text', () => {
    const node = Buffer.from('12')
    const frame = Buffer.concat([u32(3), u32(node.length), node, Buffer.from('loading model… 50%')])
    expect(decodeBinaryFrame(frame)).toEqual({
      kind: 'progress_text',
      nodeId: '12',
      text: 'loading model… 50%',
    })
  })

  it('type 4 is JSON length, metadata naming the prompt and node, then the image', () => {
    const meta = Buffer.from(
      JSON.stringify({
        node_id: '3',
        prompt_id: 'p-1',
        display_node_id: '3',
        image_type: 'image/jpeg',
      }),
    )
    const event = decodeBinaryFrame(Buffer.concat([u32(4), u32(meta.length), meta, JPEG]))
    expect(event).toMatchObject({
      kind: 'preview',
      binaryType: 4,
      mediaType: 'image/jpeg',
      promptId: 'p-1',
      nodeId: '3',
    })
    expect(eventPromptId(event)).toBe('p-1')
  })

  it('unknown types, truncated frames and bad metadata are reported as unknown, never thrown', () => {
    expect(decodeBinaryFrame(Buffer.concat([u32(2), u32(0)]))).toMatchObject({
      kind: 'unknown_binary',
      binaryType: 2,
    })
    expect(decodeBinaryFrame(Buffer.from([0, 0]))).toMatchObject({
      kind: 'unknown_binary',
      binaryType: -1,
    })
    expect(decodeBinaryFrame(Buffer.concat([u32(4), u32(999), Buffer.from('{}')]))).toMatchObject({
      kind: 'unknown_binary',
      binaryType: 4,
    })
    expect(
      decodeBinaryFrame(Buffer.concat([u32(4), u32(3), Buffer.from('{x}'), PNG])),
    ).toMatchObject({ kind: 'unknown_binary' })
  })
})

describe('text frames and prompt attribution', () => {
  it('decodes {type, data} and rejects what is not that', () => {
    expect(
      decodeTextFrame('{"type":"progress","data":{"value":1,"max":4,"prompt_id":"a"}}'),
    ).toEqual({
      kind: 'message',
      type: 'progress',
      data: { value: 1, max: 4, prompt_id: 'a' },
    })
    expect(decodeTextFrame('{"type":"crystools.monitor"}')).toEqual({
      kind: 'message',
      type: 'crystools.monitor',
      data: {},
    })
    expect(decodeTextFrame('not json')).toBeUndefined()
    expect(decodeTextFrame('{"data":{}}')).toBeUndefined()
    expect(decodeTextFrame('[1,2]')).toBeUndefined()
  })

  it('broadcasts and id-less events belong to no prompt', () => {
    const status = decodeTextFrame(
      '{"type":"status","data":{"status":{"exec_info":{"queue_remaining":2}}}}',
    )
    const reconnect = decodeTextFrame('{"type":"executing","data":{"node":"3"}}')
    const oldProgress = decodeTextFrame('{"type":"progress","data":{"value":3,"max":20}}')
    for (const event of [status, reconnect, oldProgress])
      expect(eventPromptId(event!)).toBeUndefined()
    expect(eventPromptId(decodeBinaryFrame(Buffer.concat([u32(1), u32(1), JPEG])))).toBeUndefined()
    expect(
      eventPromptId(decodeTextFrame('{"type":"executing","data":{"node":null,"prompt_id":"p"}}')!),
    ).toBe('p')
  })
})
