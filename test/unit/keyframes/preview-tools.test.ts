import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PREVIEW_COMPOSITION_LABEL } from '../../../src/providers/preview/tools/keyframes-composition.js'
import {
  PREVIEW_KEYFRAME_TOOLS,
  registerPreviewKeyframeTools,
} from '../../../src/providers/preview/tools/keyframes.js'

let client: Client

beforeAll(async () => {
  const server = new McpServer({ name: 'test-preview', version: '1' })
  registerPreviewKeyframeTools(server)
  const [a, b] = InMemoryTransport.createLinkedPair()
  await server.connect(b)
  client = new Client({ name: 'test', version: '1' })
  await client.connect(a)
})

afterAll(async () => {
  await client.close()
})

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

async function solid(colour: string, width = 120, height = 160): Promise<string> {
  const png = await sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer()
  return `data:image/png;base64,${png.toString('base64')}`
}

async function renderRaw(
  args: Record<string, unknown>,
): Promise<{ data: Buffer; width: number; height: number }> {
  const result = await call(PREVIEW_KEYFRAME_TOOLS.render, {
    prompt: 'a mug',
    width: 320,
    height: 180,
    seed: 3,
    ...args,
  })
  expect(result.isError).toBeFalsy()
  const resource = result.content.find((c) => c.type === 'resource')
  const blob =
    resource?.type === 'resource' && 'blob' in resource.resource ? resource.resource.blob : ''
  const { data, info } = await sharp(Buffer.from(blob, 'base64'))
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

function pixel(image: { data: Buffer; width: number }, x: number, y: number): number[] {
  const i = (y * image.width + x) * 3
  return [image.data[i] ?? 0, image.data[i + 1] ?? 0, image.data[i + 2] ?? 0]
}

describe('preview_render_keyframe', () => {
  it('pastes the product references into the picture, so they visibly change it', async () => {
    const red = await renderRaw({ image_urls: [await solid('#ff0000')] })
    const blue = await renderRaw({ image_urls: [await solid('#0000ff')] })
    const none = await renderRaw({})
    expect([red.width, red.height]).toEqual([320, 180])
    // the product strip sits at the bottom centre
    const at = pixel(red, 160, 150)
    expect(at[0]).toBeGreaterThan(200)
    expect(at[2]).toBeLessThan(60)
    const atBlue = pixel(blue, 160, 150)
    expect(atBlue[2]).toBeGreaterThan(200)
    expect(atBlue[0]).toBeLessThan(60)
    // outside the strip the picture is the same
    expect(pixel(red, 160, 40)).toEqual(pixel(none, 160, 40))
  })

  it('blends the first frame into a last frame', async () => {
    const white = await solid('#ffffff', 320, 180)
    const plain = await renderRaw({ prompt: 'a dark scene' })
    const blended = await renderRaw({ prompt: 'a dark scene', first_frame_url: white })
    const mean = (img: { data: Buffer }): number =>
      img.data.reduce((s, v) => s + v, 0) / img.data.length
    expect(mean(blended)).toBeGreaterThan(mean(plain) + 40)
  })

  it('refuses URLs it would have to download, and non-PNG data', async () => {
    const remote = await call(PREVIEW_KEYFRAME_TOOLS.render, {
      prompt: 'x',
      image_urls: ['https://example.com/a.png'],
    })
    expect(remote.isError).toBe(true)
    expect(JSON.stringify(remote.content)).toMatch(/works offline and does not download/)
    const jpeg = await call(PREVIEW_KEYFRAME_TOOLS.render, {
      prompt: 'x',
      image_urls: ['data:image/jpeg;base64,AAAA'],
    })
    expect(JSON.stringify(jpeg.content)).toMatch(/base64 PNG data: URLs only/)
  })
})

describe('preview_enhance_keyframe', () => {
  it('answers a labelled template composition with the transition into the next segment', async () => {
    const result = await call(PREVIEW_KEYFRAME_TOOLS.enhance, {
      prompt: 'p',
      frame_type: 'last',
      segment_type: 'body',
      segment_label: 'Body 1',
      segment_description: 'A hand lifts the mug.',
      next_segment_description: 'The mug on a desk.',
      product_image_count: 3,
    })
    const text = result.content[0]?.type === 'text' ? result.content[0].text : ''
    const answer = JSON.parse(text) as { composition: string; preview: boolean }
    expect(answer.preview).toBe(true)
    expect(answer.composition.split('\n')[0]).toBe(PREVIEW_COMPOSITION_LABEL)
    expect(answer.composition).toContain('Last frame of Body 1: A hand lifts the mug.')
    expect(answer.composition).toContain('lead into the next segment: The mug on a desk.')
    const cta = await call(PREVIEW_KEYFRAME_TOOLS.enhance, {
      prompt: 'p',
      frame_type: 'last',
      segment_type: 'cta',
      next_segment_description: null,
    })
    expect(JSON.stringify(cta.content)).toMatch(/closing end card/)
  })
})
