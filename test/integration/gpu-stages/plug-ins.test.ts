import { describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { ModelRegistry } from '../../../src/models/registry.js'
import { ComfyDepthProvider } from '../../../src/providers/depth/comfy-depth-provider.js'
import { comfyDepthDeps } from '../../../src/stages/pointcloud-generation/commands.js'
import { comfyVideoDeps } from '../../../src/stages/video-generation/commands.js'
import { ComfyVideoProvider } from '../../../src/providers/video/comfy-video-provider.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

describe('the ComfyUI plug-ins of the video and point-cloud commands', () => {
  const registry = ModelRegistry.builtin()
  const logger = new MemoryLogger()

  it('video: handles the image-to-video templates only, and leaves MCP and preview models alone', async () => {
    const deps = comfyVideoDeps(
      { 'comfyui-url': 'http://127.0.0.1:1' },
      testContext(await tempWorkspace()),
    )
    const svd = deps.videoProvider?.('svd-image-to-video', { registry, logger })
    expect(svd).toBeInstanceOf(ComfyVideoProvider)
    expect(svd).toMatchObject({ provider: 'comfyui', preview: false, label: 'svd-image-to-video' })
    expect(deps.videoProvider?.('comfyui:svd-image-to-video', { registry, logger })).toBeInstanceOf(
      ComfyVideoProvider,
    )
    for (const other of [
      'hailuo-02-pro',
      'veo31-flf2v',
      'sdxl-image-to-image',
      'depth-anything-v2',
    ])
      expect(deps.videoProvider?.(other, { registry, logger })).toBeUndefined()
  })

  it('point cloud: comfyui:<depth template> only; another template fails with PC_001 naming the shipped ones', async () => {
    const deps = comfyDepthDeps({}, testContext(await tempWorkspace()))
    expect(deps.depthProvider?.('comfyui:depth-anything-v2', { logger })).toBeInstanceOf(
      ComfyDepthProvider,
    )
    expect(deps.depthProvider?.('midas_v21_small', { logger })).toBeUndefined()
    expect(deps.depthProvider?.('depth-anything-v2', { logger })).toBeUndefined()
    expect(() => deps.depthProvider?.('comfyui:svd-image-to-video', { logger })).toThrow(
      /^PC_001: .*comfyui:svd-image-to-video.*comfyui:depth-anything-v2/,
    )
  })
})
