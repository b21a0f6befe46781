import { describe, expect, it } from 'vitest'
import { DEFAULT_COMFYUI_URL, parseComfyUrls } from '../../../src/providers/comfyui/urls.js'

describe('parseComfyUrls', () => {
  it('splits commas, spaces and lines, drops trailing slashes and duplicates', () => {
    expect(
      parseComfyUrls(
        ' http://gpu-1:8188/, http://gpu-2:8188\nhttps://proxy.example/comfy/ http://gpu-1:8188',
      ),
    ).toEqual(['http://gpu-1:8188', 'http://gpu-2:8188', 'https://proxy.example/comfy'])
  })

  it('defaults to the local server', () => {
    expect(parseComfyUrls('')).toEqual([DEFAULT_COMFYUI_URL])
    expect(parseComfyUrls(undefined)).toEqual(['http://127.0.0.1:8188'])
  })

  it('refuses other schemes, garbage, queries and credentials (without echoing them)', () => {
    expect(() => parseComfyUrls('ws://host:8188')).toThrow(
      /CFG_001: comfyui-url: "ws:\/\/host:8188" .*http or https/,
    )
    expect(() => parseComfyUrls('gpu-1:8188x')).toThrow(/CFG_001/)
    expect(() => parseComfyUrls('http://h:8188/?x=1')).toThrow(/query/)
    let message = ''
    try {
      parseComfyUrls('http://user:s3cret@h:8188')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toMatch(/CFG_001.*credentials/)
    expect(message).not.toContain('s3cret')
  })
})
