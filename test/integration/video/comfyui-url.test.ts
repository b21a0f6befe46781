import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KamuiError } from '../../../src/core/errors.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from './media-helpers.js'

/** A ComfyUI video model with a malformed comfyui-url fails when the model is chosen. */
describe('video-generation with a ComfyUI model and a malformed comfyui-url', () => {
  let ws: string
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-comfy-url-')
    await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(64, 48))
  })
  afterAll(async () => removeDir(ws))

  it('fails with CFG_001 naming comfyui-url before any clip is generated or written', async () => {
    const error = (await runVideoGeneration(
      parseVideoInputs({
        'video-prompt': 'a slow pan',
        'input-image-path': 'first.png',
        'folder-name': 'out',
        model: 'svd-image-to-video',
        'comfyui-url': 'ftp://gpu-box:8188',
        'allow-bundled-ffmpeg': 'true',
      }),
      testContext(ws),
    ).catch((e: unknown) => e)) as KamuiError
    expect(String(error)).toMatch(/^KamuiError: CFG_001: comfyui-url: "ftp:\/\/gpu-box:8188"/)
    expect(existsSync(path.join(ws, 'out/videos'))).toBe(false)
    expect(existsSync(path.join(ws, 'out/metadata/video-report.json'))).toBe(false)
  })
})
