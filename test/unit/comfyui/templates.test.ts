import { describe, expect, it } from 'vitest'
import {
  DEFAULT_TEMPLATES,
  TEMPLATES,
  getTemplate,
  templateProblems,
} from '../../../src/providers/comfyui/templates/index.js'
import { BUILTIN_MODELS } from '../../../src/models/builtin.js'
import { NODE_CLASSES, validatePrompt } from '../../fixtures/servers/fake-comfyui/nodes.js'

describe('shipped workflow templates', () => {
  it('ships text-to-image (sdxl-local), image-to-image, image-to-video and depth', () => {
    expect(BUILTIN_MODELS['sdxl-local']?.workflow).toBe('sdxl-text-to-image')
    expect(getTemplate('sdxl-text-to-image').produces).toBe('image')
    expect(getTemplate(DEFAULT_TEMPLATES.imageToImage).inputImages).toBe(1)
    expect(getTemplate(DEFAULT_TEMPLATES.imageToVideo).produces).toBe('video')
    expect(getTemplate(DEFAULT_TEMPLATES.depth).produces).toBe('depth')
  })

  it.each(Object.keys(TEMPLATES))(
    '%s: every declared mapping points at an existing node input',
    (name) => {
      const template = getTemplate(name)
      expect(templateProblems(template)).toEqual([])
      expect(template.gpuMemoryMib).toBeGreaterThan(0)
      expect(NODE_CLASSES[template.workflow[template.outputNode]!.class_type]?.outputNode).toBe(
        true,
      )
    },
  )

  it.each(Object.keys(TEMPLATES))(
    '%s: validates as an API-format prompt against the fake server node table',
    (name) => {
      const template = getTemplate(name)
      const validation = validatePrompt(structuredClone(template.workflow), {
        checkpoints: ['sd_xl_base_1.0.safetensors', 'svd_xt.safetensors'],
        inputFiles: () => ['kamui-input.png'],
      })
      expect(validation).toEqual({ ok: true, goodOutputs: [template.outputNode], nodeErrors: {} })
    },
  )

  it('finds declaration mistakes', () => {
    const broken = structuredClone(getTemplate('sdxl-text-to-image'))
    broken.mapping.seed = [{ node: '3', input: 'sed' }]
    broken.mapping.width = [{ node: '42', input: 'width' }]
    broken.mapping.inputImages = [{ node: '6', input: 'text' }]
    expect(templateProblems(broken)).toEqual([
      'seed: node 3 (KSampler) has no input sed',
      'width: node 42 is not in the workflow',
      'inputImages: node 6 is CLIPTextEncode, not LoadImage',
      'inputImages: 0 declared, 1 mapped',
    ])
  })

  it('refuses an unknown template with CFG_003 listing the shipped ones', () => {
    expect(() => getTemplate('flux-dev')).toThrow(
      /CFG_003: No ComfyUI workflow template is named "flux-dev"; the shipped ones are sdxl-text-to-image, /,
    )
    expect(() => getTemplate('toString')).toThrow(/CFG_003/)
  })
})
