import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KeyframesFileSchema } from '../../../src/stages/keyframes/keyframes-file.js'
import { keyframesCommand } from '../../../src/stages/keyframes/commands.js'
import { verifyTelemetry } from '../../../src/output/telemetry/verify.js'
import {
  startFakeComfyProcess,
  type FakeComfyHandle,
} from '../../fixtures/servers/fake-comfyui/start.js'
import {
  startFakeLmStudio,
  type FakeLlmHandle,
} from '../../fixtures/servers/fake-lmstudio/start.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos } from '../keyframes/helpers.js'
import { artifactRecords, gpuStageEnv } from './helpers.js'

const story = (title: string) => ({
  title,
  narrative: `The ${title} story of a red mug.`,
  tone: 'calm',
  visualStyle: 'soft morning light',
  keyMoments: ['steam', 'the logo'],
})

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

describe('keyframes on a self-hosted runner: ComfyUI image-to-image and the local LLM', () => {
  let comfy: FakeComfyHandle
  let lm: FakeLlmHandle
  beforeAll(async () => {
    ;[comfy, lm] = await Promise.all([
      startFakeComfyProcess({ jobMs: 20 }),
      startFakeLmStudio({
        rules: [
          {
            schema: 'keyframe_stories',
            content: { stories: [story('Dawn'), story('Noon'), story('Dusk')] },
          },
          {
            schema: 'keyframe_storyboard',
            content: {
              segments: [
                { type: 'hook', description: 'LLM hook: steam over the red mug.', duration: 4 },
                { type: 'cta', description: 'LLM cta: the mug and the logo.', duration: 4 },
              ],
            },
          },
          {
            schema: 'keyframe_composition',
            content: { composition: 'LLM composition: a close shot of the red mug in warm light.' },
          },
        ],
      }),
    ])
  }, 30_000)
  afterAll(async () => {
    await Promise.all([comfy?.stop(), lm?.stop()])
  })

  it('kamui keyframes --keyframe-model sdxl-img2img-local with story-model/enhancer-model llm makes its frames', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const run = await runKamui(
      [
        'keyframes',
        '--concept',
        'A red ceramic mug',
        '--product-images',
        photos.join(','),
        '--segment-count',
        '2',
        '--story-index',
        '2',
        '--story-model',
        'llm',
        '--enhancer-model',
        'llm',
        '--keyframe-model',
        'sdxl-img2img-local',
        '--comfyui-url',
        comfy.url,
        '--llm-url',
        lm.url,
        '--ollama-url',
        'none',
        '--folder-name',
        'out',
      ],
      { cwd: workspace, env: await gpuStageEnv(), timeoutMs: 90_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    expect(run.outputs).toMatchObject({
      'frame-count': '4',
      'generated-frames': '3',
      'inherited-frames': '1',
      'failed-segments': '[]',
      'keyframes-completed': 'true',
    })
    const folder = path.join(workspace, 'out')
    const json = KeyframesFileSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'keyframes.json'), 'utf8')),
    )
    expect(json.preview).toBe(false)
    expect(json.story?.title).toBe('Noon')
    expect(json.models.story).toMatchObject({ alias: 'qwen2.5-7b-instruct', provider: 'lmstudio' })
    expect(json.segments.map((s) => s.description)).toEqual([
      'LLM hook: steam over the red mug.',
      'LLM cta: the mug and the logo.',
    ])
    const frames = json.segments.flatMap((s) => [s.firstFrame, s.lastFrame])
    const rendered = frames.filter((f) => f.status === 'generated')
    expect(rendered).toHaveLength(3)
    for (const frame of rendered) {
      expect(frame.composition).toMatch(/^LLM composition/)
      expect(frame.enhancer).toMatchObject({ alias: 'qwen2.5-7b-instruct', provider: 'lmstudio' })
      expect(frame.model).toMatchObject({
        alias: 'sdxl-img2img-local',
        provider: 'comfyui',
        server: comfy.url,
        workflow: 'sdxl-image-to-image',
      })
      expect(frame.costs.find((c) => c.type === 'keyframe-generation')).toMatchObject({
        usd: 0,
        basis: 'local ComfyUI: no per-call charge',
      })
      const meta = await sharp(path.join(folder, frame.path as string)).metadata()
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 1280, 720])
    }

    // The fake LM Studio answered the stories, the storyboard and three compositions.
    const schemas = (await lm.requests())
      .filter((r) => r.path === '/v1/chat/completions')
      .map(
        (r) =>
          (r.body as { response_format?: { json_schema?: { name?: string } } }).response_format
            ?.json_schema?.name,
      )
    expect(schemas.filter((n) => n === 'keyframe_stories')).toHaveLength(1)
    expect(schemas.filter((n) => n === 'keyframe_storyboard')).toHaveLength(1)
    expect(schemas.filter((n) => n === 'keyframe_composition')).toHaveLength(3)

    // ComfyUI got one image-to-image prompt per rendered frame, carrying the render prompt, the
    // exact size and the uploaded reference image.
    const prompts = await comfy.log('prompt')
    expect(prompts).toHaveLength(3)
    const sent = prompts.map(
      (p) => p['prompt'] as Record<string, { inputs: Record<string, unknown> }>,
    )
    for (const workflow of sent) {
      expect(String(workflow['6']?.inputs['text'])).toMatch(/LLM composition: a close shot/)
      expect([workflow['11']?.inputs['width'], workflow['11']?.inputs['height']]).toEqual([
        1280, 720,
      ])
    }
    expect(rendered.map((f) => f.prompt).sort()).toEqual(
      sent.map((w) => String(w['6']?.inputs['text'])).sort(),
    )
    const uploads = await comfy.log('upload')
    expect(uploads).toHaveLength(3)
    const stored = await Promise.all(
      uploads.map((u) => readFile(path.join(comfy.root, 'input', String(u['stored'])))),
    )
    const hashes = stored.map(sha256)
    // Each last frame was re-drawn from its segment's first frame (the same PNG bytes) ...
    for (const segment of json.segments) expect(hashes).toContain(segment.firstFrame.sha256)
    // ... and the hook's first frame from the first product photo (red #c03030).
    const other = stored.filter(
      (_, i) => !json.segments.some((s) => s.firstFrame.sha256 === hashes[i]),
    )
    expect(other).toHaveLength(1)
    const stats = await sharp(other[0] as Buffer).stats()
    expect(stats.channels.slice(0, 3).map((c) => Math.round(c.mean))).toEqual([192, 48, 48])

    const records = await artifactRecords(folder)
    const hookFirst = records.find((a) => a.path === 'keyframes/segment-1-first.png')
    expect(hookFirst?.model).toMatchObject({ provider: 'comfyui', workflow: 'sdxl-image-to-image' })
    expect(hookFirst?.gpu_memory).toMatchObject({ before_mib: expect.any(Number) })
    expect((await verifyTelemetry(folder)).problems).toEqual([])
  }, 120_000)

  it('contacts neither ComfyUI nor the LLM when the preview models are chosen', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const [promptsBefore, llmBefore] = [(await comfy.log()).length, (await lm.requests()).length]
    const context = testContext(workspace, { env: await gpuStageEnv() })
    const result = await keyframesCommand.run(
      {
        concept: 'A red ceramic mug',
        'product-images': photos.join(','),
        'segment-count': '2',
        'story-model': 'preview',
        'enhancer-model': 'preview',
        'keyframe-model': 'preview',
        'comfyui-url': comfy.url,
        'llm-url': lm.url,
        'folder-name': 'preview-out',
      },
      context,
    )
    expect(result.outputs['keyframes-completed']).toBe('true')
    expect((await comfy.log()).length).toBe(promptsBefore)
    expect((await lm.requests()).length).toBe(llmBefore)
  }, 60_000)
})
