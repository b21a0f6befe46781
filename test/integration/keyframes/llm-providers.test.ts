import { describe, expect, it } from 'vitest'
import type { TextSchema as LlmJsonSchema } from '../../../src/providers/text/provider.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage } from './helpers.js'

const story = (title: string) => ({
  title,
  narrative: `The ${title} story of a red mug.`,
  tone: 'calm',
  visualStyle: 'soft morning light',
  keyMoments: ['steam', 'a sip', 'the logo'],
})

describe('keyframes with the local LLM plugged in', () => {
  it('writes stories, the storyboard and the compositions with the injected structured-output call', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const asked: string[] = []
    const complete = (schema: LlmJsonSchema): Promise<unknown> => {
      asked.push(schema.name)
      if (schema.name === 'keyframe_stories')
        return Promise.resolve({ stories: [story('Dawn'), story('Noon'), story('Dusk')] })
      if (schema.name === 'keyframe_storyboard') {
        return Promise.resolve({
          segments: [
            { type: 'hook', description: 'LLM hook: steam over the red mug.', duration: 5 },
            { type: 'body', description: 'LLM body: a sip by the window.', duration: 6 },
            { type: 'cta', description: 'LLM cta: the mug and the logo.', duration: 4 },
          ],
        })
      }
      return Promise.resolve({
        composition: `LLM composition number ${asked.length}, a detailed shot of the red mug.`,
      })
    }
    const { result, error } = await runStage(
      workspace,
      {
        concept: 'A red ceramic mug',
        'story-index': '3',
        'segment-count': '3',
        'product-images': photos.join(','),
        'story-model': 'llm',
        'enhancer-model': 'llm',
        'keyframe-model': 'preview',
      },
      {},
      {
        llm: {
          complete,
          model: { alias: 'qwen-test', provider: 'lmstudio', server: 'http://127.0.0.1:1234' },
        },
      },
    )
    expect(error).toBeUndefined()
    const k = result?.keyframes
    expect(k?.story?.title).toBe('Dusk')
    expect(k?.models.story).toMatchObject({ alias: 'qwen-test', provider: 'lmstudio' })
    expect(k?.segments.map((s) => s.description)).toEqual([
      'LLM hook: steam over the red mug.',
      'LLM body: a sip by the window.',
      'LLM cta: the mug and the logo.',
    ])
    expect(asked.filter((n) => n === 'keyframe_composition')).toHaveLength(4)
    expect(k?.segments[0]?.firstFrame.composition).toMatch(/^LLM composition number/)
    expect(k?.segments[0]?.firstFrame.enhancer).toMatchObject({
      alias: 'qwen-test',
      provider: 'lmstudio',
    })
    expect(k?.costs.byType['story-generation']).toMatchObject({
      calls: 2,
      usd: 0,
      unknownPriceCalls: 0,
    })
    expect(k?.summary).toMatchObject({ generatedFrames: 4, inheritedFrames: 2 })
  })

  it('refuses story-model llm with LLM_001 when no local LLM is connected', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const { error } = await runStage(workspace, {
      concept: 'A mug',
      'product-images': photos.join(','),
      'story-model': 'llm',
    })
    expect(error?.message).toMatch(/^LLM_001: story-model "llm" needs the local LLM/)
  })

  it('refuses a ComfyUI keyframe model with IMG_002 when ComfyUI is not connected, and an unknown alias', async () => {
    const workspace = await tempWorkspace()
    const photos = await productPhotos(workspace)
    const comfy = await runStage(workspace, {
      concept: 'A mug',
      'product-images': photos.join(','),
      'keyframe-model': 'sdxl-local',
    })
    expect(comfy.error?.message).toMatch(
      /^IMG_002: keyframe-model "sdxl-local" runs on ComfyUI, which is not connected/,
    )
    const unknown = await runStage(workspace, {
      concept: 'A mug',
      'product-images': photos.join(','),
      'enhancer-model': 'gpt-9',
    })
    expect(unknown.error?.message).toMatch(
      /^IMG_002: enhancer-model: unknown model "gpt-9".*nano-banana/,
    )
  })
})
