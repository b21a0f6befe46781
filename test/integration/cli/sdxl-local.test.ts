import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { listFiles, tempWorkspace } from '../../helpers/workspace.js'

describe('kamui image-generation-v2 --models sdxl-local against a fake ComfyUI server', () => {
  let comfy: FakeComfyHandle
  beforeAll(async () => {
    comfy = await startFakeComfyProcess()
  })
  afterAll(async () => {
    await comfy.stop()
  })

  it('makes the images and every v2 file, with progress shown', async () => {
    const workspace = await tempWorkspace()
    const run = await runKamui(
      [
        'image-generation-v2',
        '--image-prompt',
        'A lighthouse on a cliff at sunset',
        '--folder-name',
        'out/sdxl',
        '--models',
        'sdxl-local',
        '--image-count',
        '2',
        '--image-size',
        '512x512',
        '--comfyui-url',
        comfy.url,
        '--seed',
        '3',
      ],
      // No nvidia-smi on this PATH: the GPU check reads the fake's /system_stats.
      { cwd: workspace, env: { PATH: path.dirname(process.execPath) } },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs['images-completed']).toBe('2')
    expect(run.outputs['models-used']).toBe('["sdxl-local","sdxl-local"]')
    expect(run.stderr).toMatch(/sampling|progress|step|%/i)
    const folder = path.join(workspace, 'out/sdxl')
    const files = await listFiles(folder)
    for (const file of [
      'images/generated-image.png',
      'images/generated-image-1.png',
      'images/generated-image-2.png',
      'google-image-url.txt',
      'google-image-url-1.txt',
      'image-urls.json',
      'models-used.json',
      'quality-scores.json',
      'metadata/generation-report.json',
      'metadata/quality-analysis.json',
      'metadata/contact-sheet.png',
      'metadata/artifact-metadata.json',
    ]) {
      expect(files).toContain(file)
    }
    expect((await sharp(path.join(folder, 'images/generated-image-1.png')).metadata()).format).toBe(
      'png',
    )
    const prompts = await comfy.log('prompt')
    expect(prompts).toHaveLength(2)
    const telemetry = JSON.parse(
      await readFile(path.join(folder, 'metadata/artifact-metadata.json'), 'utf8'),
    ) as {
      artifacts: {
        path: string
        model: { provider: string; workflow: string | null } | null
        gpu_memory: unknown
      }[]
    }
    const image = telemetry.artifacts.find((a) => a.path === 'images/generated-image-1.png')
    expect(image?.model).toMatchObject({ provider: 'comfyui', workflow: 'sdxl-text-to-image' })
    const verify = await runKamui(['verify-telemetry', 'out/sdxl'], { cwd: workspace })
    expect(verify.code, verify.stdout).toBe(0)
  })
})
