import { describe, expect, it } from 'vitest'
import { chooseDepthSource } from '../../../src/providers/depth/choose.js'
import type { DepthProvider } from '../../../src/providers/depth/provider.js'

describe('chooseDepthSource', () => {
  const base = { depthModel: 'midas_v21_small', depthImage: undefined, hasMcpConfig: false }

  it('a depth image wins over depth-model', () => {
    const choice = chooseDepthSource({ ...base, depthImage: { file: '/ws/d.png', shown: 'd.png' } })
    expect(choice.kind === 'provider' && choice.provider.name).toBe('depth-image:d.png')
  })

  it('the heuristic and the preview placeholder only by name', () => {
    const h = chooseDepthSource({ ...base, depthModel: 'luminance-heuristic' })
    expect(h.kind === 'provider' && h.provider.name).toBe('luminance-heuristic')
    expect(chooseDepthSource({ ...base, depthModel: 'preview' })).toMatchObject({
      kind: 'mcp',
      tool: { base: 'preview_estimate_depth', preview: true },
    })
  })

  it('without mcp-config the default midas_v21_small becomes Depth Anything V2 Small on the CPU; auto falls back to the preview', () => {
    expect(chooseDepthSource(base)).toMatchObject({
      kind: 'cpu',
      model: 'depth-anything-v2-small',
      hint: expect.stringMatching(
        /midas_v21_small, the default, is an MCP tool.*depth-image.*luminance-heuristic/,
      ),
    })
    expect(chooseDepthSource({ ...base, depthModel: 'depth-anything-v2-small' })).toEqual({
      kind: 'cpu',
      model: 'depth-anything-v2-small',
    })
    expect(chooseDepthSource({ ...base, depthModel: 'auto' })).toMatchObject({
      kind: 'cpu',
      fallback: { base: 'preview_estimate_depth', preview: true },
    })
  })

  it('another model name without mcp-config is PC_001 with the ways to provide depth', () => {
    expect(() => chooseDepthSource({ ...base, depthModel: 'zoedepth' })).toThrow(
      /PC_001: No depth source: depth-model "zoedepth" .* no mcp-config .*depth-image.*luminance-heuristic/,
    )
    expect(() => chooseDepthSource({ ...base, depthModel: 'comfyui:depth-anything-v2' })).toThrow(
      /PC_001: .*names a ComfyUI workflow, but no ComfyUI depth provider/,
    )
  })

  it('with mcp-config, names map to tools; mcp:<tool> names one exactly', () => {
    expect(chooseDepthSource({ ...base, hasMcpConfig: true })).toMatchObject({
      tool: { base: 'midas_v21_small', preview: false },
    })
    expect(
      chooseDepthSource({ ...base, hasMcpConfig: true, depthModel: 'depth-anything' }),
    ).toMatchObject({
      tool: { base: 'depth_anything' },
    })
    expect(
      chooseDepthSource({ ...base, hasMcpConfig: true, depthModel: 'mcp:my-depth.v2' }),
    ).toMatchObject({
      tool: { base: 'my-depth.v2' },
    })
    expect(() =>
      chooseDepthSource({ ...base, hasMcpConfig: true, depthModel: 'mcp:bad name' }),
    ).toThrow(/CFG_001/)
  })

  it('asks a plugged-in provider (ComfyUI) before MCP', () => {
    const comfy: DepthProvider = {
      name: 'comfyui:depth',
      estimate: () => Promise.reject(new Error('not called')),
    }
    const choice = chooseDepthSource({
      ...base,
      depthModel: 'comfyui:depth',
      custom: (name) => (name.startsWith('comfyui:') ? comfy : undefined),
    })
    expect(choice).toEqual({ kind: 'provider', provider: comfy })
  })
})
