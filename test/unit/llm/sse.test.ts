import { describe, expect, it } from 'vitest'
import { sseData } from '../../../src/providers/llm/sse.js'

async function collect(chunks: string[]): Promise<string[]> {
  async function* stream(): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) yield new TextEncoder().encode(chunk)
  }
  const out: string[] = []
  for await (const data of sseData(stream())) out.push(data)
  return out
}

describe('sseData', () => {
  it('yields the data of each event, [DONE] included', async () => {
    expect(await collect(['data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'])).toEqual([
      '{"a":1}',
      '{"a":2}',
      '[DONE]',
    ])
  })

  it('reassembles events split anywhere, CRLF split between chunks included', async () => {
    const text = 'data: {"x":"日本"}\r\n\r\ndata: [DONE]\r\n\r\n'
    const bytes = new TextEncoder().encode(text)
    async function* byteStream(): AsyncGenerator<Uint8Array> {
      for (const b of bytes) yield new Uint8Array([b])
    }
    const out: string[] = []
    for await (const data of sseData(byteStream())) out.push(data)
    expect(out).toEqual(['{"x":"日本"}', '[DONE]'])
  })

  it('ignores comments and other fields and joins multi-line data', async () => {
    expect(
      await collect([': keep-alive\n', 'event: message\nid: 7\ndata: line1\ndata: line2\n\n']),
    ).toEqual(['line1\nline2'])
  })

  it('yields an event left open when the stream ends', async () => {
    expect(await collect(['data: {"error":"boom"}'])).toEqual(['{"error":"boom"}'])
  })
})
