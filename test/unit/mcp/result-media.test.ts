import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { extractMedia, isStatusUrl } from '../../../src/providers/mcp/result-media.js'

const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')
const B64 = PNG_BYTES.toString('base64')
const LONG_B64 = Buffer.alloc(96, 7).toString('base64')

function urls(result: CallToolResult): (string | undefined)[] {
  return extractMedia(result).map((ref) => ref.url)
}

describe('extractMedia', () => {
  it('decodes image content', () => {
    const [ref, ...rest] = extractMedia({
      content: [
        { type: 'text', text: 'Here is the image' },
        { type: 'image', data: B64, mimeType: 'image/png' },
      ],
    })
    expect(rest).toEqual([])
    expect(ref).toMatchObject({ source: 'image', mimeType: 'image/png' })
    expect(Buffer.from(ref?.bytes ?? [])).toEqual(PNG_BYTES)
  })

  it('reads resource blobs with their uri, and URLs in resource text', () => {
    const refs = extractMedia({
      content: [
        {
          type: 'resource',
          resource: { uri: 'https://cdn.example/a.png', mimeType: 'image/png', blob: B64 },
        },
        {
          type: 'resource',
          resource: { uri: 'mem://x', mimeType: 'text/plain', blob: B64 + 'AA' },
        },
        {
          type: 'resource',
          resource: { uri: 'mem://y', text: '{"images":[{"url":"https://cdn.example/b.webp"}]}' },
        },
        { type: 'resource', resource: { uri: 'mem://z', text: 'see https://cdn.example/c.jpg.' } },
      ],
    })
    expect(refs.map((r) => [r.source, r.url, r.bytes ? 'bytes' : undefined])).toEqual([
      ['resource', 'https://cdn.example/a.png', 'bytes'],
      ['resource', 'https://cdn.example/b.webp', undefined],
      ['resource', 'https://cdn.example/c.jpg', undefined],
    ])
  })

  it('reads resource links (skipping text ones and file: URIs)', () => {
    const refs = extractMedia({
      content: [
        {
          type: 'resource_link',
          uri: 'https://cdn.example/v.mp4',
          name: 'v',
          mimeType: 'video/mp4',
        },
        {
          type: 'resource_link',
          uri: 'https://cdn.example/readme',
          name: 'r',
          mimeType: 'text/plain',
        },
        { type: 'resource_link', uri: 'file:///etc/passwd', name: 'p' },
        { type: 'resource_link', uri: 'preview://image/1', name: 'p', mimeType: 'image/png' },
      ],
    })
    expect(refs).toEqual([
      { source: 'resource_link', url: 'https://cdn.example/v.mp4', mimeType: 'video/mp4' },
      { source: 'resource_link', url: 'preview://image/1', mimeType: 'image/png' },
    ])
  })

  it('walks fal-style JSON in text content, keeping content_type', () => {
    const json = {
      images: [
        { url: 'https://v3.fal.media/files/x/out.png', width: 1024, content_type: 'image/png' },
      ],
      seed: 42,
      request: { status_url: 'https://queue.fal.run/fal-ai/imagen4/requests/abc/status' },
      meta: {
        log: 'https://fal.media/files/log.json',
        html: { url: 'https://x/p', content_type: 'text/html' },
      },
    }
    const refs = extractMedia({ content: [{ type: 'text', text: JSON.stringify(json) }] })
    expect(refs).toEqual([
      { source: 'json', url: 'https://v3.fal.media/files/x/out.png', mimeType: 'image/png' },
      { source: 'json', url: 'https://fal.media/files/log.json' },
    ])
  })

  it('finds data: URLs and base64 fields in JSON', () => {
    const refs = extractMedia({
      content: [
        {
          type: 'text',
          text: JSON.stringify({ image: `data:image/png;base64,${B64}`, b64_json: LONG_B64 }),
        },
      ],
    })
    expect(refs).toHaveLength(2)
    expect(refs[0]).toMatchObject({ source: 'json', mimeType: 'image/png' })
    expect(Buffer.from(refs[0]?.bytes ?? [])).toEqual(PNG_BYTES)
    expect(refs[1]?.bytes?.length).toBe(96)
  })

  it('scans plain text for URLs, trimming punctuation and markdown', () => {
    const refs = urls({
      content: [
        {
          type: 'text',
          text:
            'Done! Image: ![img](https://cdn.example/files/pic.jpeg), docs at https://docs.example/guide. ' +
            'Status: https://api.example/requests/123e4567/status and https://api.example/requests/123e4567',
        },
      ],
    })
    expect(urls({ content: [] })).toEqual([])
    expect(refs).toEqual(['https://cdn.example/files/pic.jpeg', 'https://docs.example/guide'])
  })

  it('walks structuredContent', () => {
    expect(
      urls({
        content: [],
        structuredContent: { output: { video: { url: 'https://cdn.example/o.webm?sig=1' } } },
      }),
    ).toEqual(['https://cdn.example/o.webm?sig=1'])
  })

  it('orders bytes, then media-extension URLs, then others, and drops duplicates', () => {
    const refs = extractMedia({
      content: [
        { type: 'text', text: 'https://cdn.example/page and https://cdn.example/img.png' },
        { type: 'text', text: '{"url": "https://cdn.example/img.png"}' },
        { type: 'image', data: B64, mimeType: 'image/png' },
        { type: 'image', data: B64, mimeType: 'image/png' },
      ],
      structuredContent: { url: 'https://cdn.example/page' },
    })
    expect(refs.map((r) => r.url ?? 'bytes')).toEqual([
      'bytes',
      'https://cdn.example/img.png',
      'https://cdn.example/page',
    ])
  })

  it('returns nothing for results without media', () => {
    expect(extractMedia({ content: [{ type: 'text', text: 'The sum of 1 and 2 is 3.' }] })).toEqual(
      [],
    )
    expect(
      extractMedia({ content: [{ type: 'audio', data: B64, mimeType: 'audio/wav' }] }),
    ).toEqual([])
  })
})

describe('isStatusUrl', () => {
  it.each([
    ['https://queue.fal.run/fal-ai/flux/schnell/requests/abc', true],
    ['https://api.example/jobs/abc/status', true],
    ['https://api.example/jobs/abc/cancel/', true],
    ['https://api.example/requests/9f8e7d', true],
    ['https://api.example/requests/9f8e7d.png', false],
    ['https://v3.fal.media/files/rabbit/out.png', false],
    ['not a url', true],
  ])('%s → %s', (url, expected) => {
    expect(isStatusUrl(url)).toBe(expected)
  })
})
