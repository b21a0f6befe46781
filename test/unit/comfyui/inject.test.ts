import { describe, expect, it } from 'vitest'
import { buildWorkflow } from '../../../src/providers/comfyui/inject.js'
import { getTemplate } from '../../../src/providers/comfyui/templates/index.js'

const t2i = getTemplate('sdxl-text-to-image')

describe('parameter injection through the declared mapping', () => {
  it('sets each parameter on its declared node input and nothing else', () => {
    const prompt = 'a "quoted" {brace} prompt, with \\ backslash and "}, "x": ['
    const workflow = buildWorkflow(
      t2i,
      {
        prompt,
        negativePrompt: 'blurry',
        seed: 123456789,
        width: 832,
        height: 1216,
        steps: 12,
        cfg: 5.5,
      },
      [],
      'kamui/job-1',
    )
    expect(workflow['6']!.inputs['text']).toBe(prompt)
    expect(workflow['7']!.inputs['text']).toBe('blurry')
    expect(workflow['3']!.inputs).toMatchObject({
      seed: 123456789,
      steps: 12,
      cfg: 5.5,
      sampler_name: 'dpmpp_2m',
    })
    expect(workflow['5']!.inputs).toEqual({ width: 832, height: 1216, batch_size: 1 })
    expect(workflow['9']!.inputs['filename_prefix']).toBe('kamui/job-1')
    // Links untouched, and the template itself unchanged.
    expect(workflow['3']!.inputs['model']).toEqual(['4', 0])
    expect(t2i.workflow['6']!.inputs['text']).toBe('')
    expect(t2i.workflow['3']!.inputs['seed']).toBe(0)
    // The injected text survives a JSON round trip exactly (no string surgery on JSON).
    expect((JSON.parse(JSON.stringify(workflow)) as typeof workflow)['6']!.inputs['text']).toBe(
      prompt,
    )
  })

  it('keeps template defaults for absent parameters and rounds sizes to the latent grid', () => {
    const workflow = buildWorkflow(t2i, { prompt: 'p', seed: 1, width: 1020, height: 771 }, [], 'x')
    expect(workflow['5']!.inputs).toMatchObject({ width: 1024, height: 768 })
    expect(workflow['3']!.inputs).toMatchObject({ steps: 30, cfg: 7 })
    expect(workflow['7']!.inputs['text']).toBe('lowres, blurry, watermark, text, deformed')
  })

  it('puts uploaded names into LoadImage and feeds fps to both video nodes', () => {
    const svd = getTemplate('svd-image-to-video')
    const workflow = buildWorkflow(
      svd,
      { seed: 7, fps: 8, frames: 14, width: 512, height: 288 },
      ['sub/kamui-1 (1).png'],
      'kamui/v',
    )
    expect(workflow['2']!.inputs['image']).toBe('sub/kamui-1 (1).png')
    expect(workflow['3']!.inputs).toMatchObject({
      fps: 8,
      video_frames: 14,
      width: 512,
      height: 288,
    })
    expect(workflow['7']!.inputs['fps']).toBe(8)
    expect(workflow['5']!.inputs['seed']).toBe(7)
  })

  it('applies overrides by node id and input name, and refuses unknown ones', () => {
    const workflow = buildWorkflow(
      t2i,
      { prompt: 'p', seed: 1, overrides: { '4.ckpt_name': 'juggernautXL.safetensors' } },
      [],
      'x',
    )
    expect(workflow['4']!.inputs['ckpt_name']).toBe('juggernautXL.safetensors')
    expect(() =>
      buildWorkflow(t2i, { prompt: 'p', seed: 1, overrides: { '4.ckpt': 'x' } }, [], 'x'),
    ).toThrow(/CFG_001: Override "4.ckpt"/)
    expect(() =>
      buildWorkflow(t2i, { prompt: 'p', seed: 1, overrides: { ckpt_name: 'x' } }, [], 'x'),
    ).toThrow(/CFG_001/)
  })

  it('refuses a missing prompt, bad numbers and a wrong count of input images', () => {
    expect(() => buildWorkflow(t2i, { prompt: '  ', seed: 1 }, [], 'x')).toThrow(
      /IMG_009: The sdxl-text-to-image workflow needs a prompt/,
    )
    expect(() => buildWorkflow(t2i, { prompt: 'p', seed: -1 }, [], 'x')).toThrow(
      /CFG_001: .*seed must be an integer from 0/,
    )
    expect(() => buildWorkflow(t2i, { prompt: 'p', seed: 1.5 }, [], 'x')).toThrow(/CFG_001/)
    expect(() => buildWorkflow(t2i, { prompt: 'p', seed: 1, steps: 0 }, [], 'x')).toThrow(/steps/)
    expect(() => buildWorkflow(t2i, { prompt: 'p', seed: 1, width: 20000 }, [], 'x')).toThrow(
      /width/,
    )
    expect(() =>
      buildWorkflow(getTemplate('sdxl-image-to-image'), { prompt: 'p', seed: 1 }, [], 'x'),
    ).toThrow(/CFG_001: The sdxl-image-to-image workflow takes 1 input image\(s\), 0 given/)
    expect(() => buildWorkflow(t2i, { prompt: 'p', seed: 1 }, ['a.png'], 'x')).toThrow(
      /takes 0 input image/,
    )
  })
})
