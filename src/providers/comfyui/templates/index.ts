import { KamuiError } from '../../../core/errors.js'
import type { ApiWorkflow } from '../types.js'
import depthAnythingV2 from './depth-anything-v2.json' with { type: 'json' }
import sdxlImageToImage from './sdxl-image-to-image.json' with { type: 'json' }
import sdxlTextToImage from './sdxl-text-to-image.json' with { type: 'json' }
import svdImageToVideo from './svd-image-to-video.json' with { type: 'json' }

/**
 * The ComfyUI workflow templates shipped with the suite (SPEC §3.2): API-format workflows
 * ("File → Export (API)") in the JSON files next to this one, and for each a declaration of
 * where every parameter goes. Parameters are set on the parsed workflow through these
 * declarations (node id + input name), never by replacing text in the JSON.
 *
 * The GPU memory figures are **estimates** (a heuristic, not a measurement): the model weights
 * in fp16 plus working memory at the template's default size, rounded up, from the published
 * requirements of each model (SDXL base: 8 GB cards; SVD-XT at 1024×576 × 25 frames: 12 GB;
 * Depth Anything V2 large: about 2 GB). ComfyUI can offload to system RAM below these figures,
 * much more slowly; a caller can override the figure (`GpuCheckOptions.requiredMib`).
 */

/** Where one parameter goes: an input of a node of the workflow. */
export interface InputTarget {
  node: string
  input: string
}

/** Parameters set from a job (scalars). */
export type ScalarParam =
  | 'prompt'
  | 'negativePrompt'
  | 'seed'
  | 'width'
  | 'height'
  | 'steps'
  | 'cfg'
  | 'denoise'
  | 'frames'
  | 'fps'

/** Where each parameter goes; a parameter may feed several inputs (e.g. `fps`). */
export type TemplateMapping = Partial<Record<ScalarParam, InputTarget[]>> & {
  /** One `LoadImage.image` input per input image, in order. */
  inputImages?: InputTarget[]
  /** The output node's `filename_prefix` (set per job so outputs never collide). */
  filenamePrefix: InputTarget
}

/** What a template makes. */
export type TemplateProduces = 'image' | 'video' | 'depth'

/** A shipped workflow template and its declarations. */
export interface ComfyTemplate {
  name: string
  description: string
  produces: TemplateProduces
  /** The API-format workflow with its defaults (never mutated: jobs work on a copy). */
  workflow: ApiWorkflow
  mapping: TemplateMapping
  /** The node whose history output holds the result. */
  outputNode: string
  /** Free GPU memory the template needs, MiB (an estimate, see the module comment). */
  gpuMemoryMib: number
  /** Input images the template needs (exactly this many). */
  inputImages: number
  /** Parameters a job must give. */
  required: ScalarParam[]
  /** Width and height are rounded to a multiple of this (latent space: 8 pixels). */
  sizeMultiple: number
  /** Model files the server must have, as named in the workflow (folder → file). */
  models: Record<string, string>
  /** Custom node packs the workflow needs beyond core ComfyUI. */
  customNodes: string[]
}

/**
 * What both SDXL workflows map alike (the image-to-image one is the text-to-image one with a
 * loaded, scaled and encoded input image): the prompt encoders (nodes 6, 7) and the KSampler
 * (node 3).
 */
const SDXL_SAMPLING: Pick<TemplateMapping, 'prompt' | 'negativePrompt' | 'seed' | 'steps' | 'cfg'> =
  {
    prompt: [{ node: '6', input: 'text' }],
    negativePrompt: [{ node: '7', input: 'text' }],
    seed: [{ node: '3', input: 'seed' }],
    steps: [{ node: '3', input: 'steps' }],
    cfg: [{ node: '3', input: 'cfg' }],
  }

/** What both SDXL templates declare alike: SaveImage node 9, SDXL base 1.0, 8-pixel latents. */
const SDXL_OUTPUT = {
  outputNode: '9',
  gpuMemoryMib: 8192,
  required: ['prompt'],
  sizeMultiple: 8,
  models: { checkpoints: 'sd_xl_base_1.0.safetensors' },
  customNodes: [],
} satisfies Partial<ComfyTemplate>

/** Every shipped template by name. */
export const TEMPLATES: Readonly<Record<string, ComfyTemplate>> = Object.freeze({
  'sdxl-text-to-image': {
    name: 'sdxl-text-to-image',
    description: 'SDXL base 1.0 text to image (model alias sdxl-local).',
    produces: 'image',
    workflow: sdxlTextToImage as ApiWorkflow,
    mapping: {
      ...SDXL_SAMPLING,
      width: [{ node: '5', input: 'width' }],
      height: [{ node: '5', input: 'height' }],
      filenamePrefix: { node: '9', input: 'filename_prefix' },
    },
    inputImages: 0,
    ...SDXL_OUTPUT,
  },
  'sdxl-image-to-image': {
    name: 'sdxl-image-to-image',
    description:
      'SDXL base 1.0 image to image (keyframes): the input image is scaled to the size, encoded and re-sampled with `denoise` strength.',
    produces: 'image',
    workflow: sdxlImageToImage as ApiWorkflow,
    mapping: {
      ...SDXL_SAMPLING,
      denoise: [{ node: '3', input: 'denoise' }],
      width: [{ node: '11', input: 'width' }],
      height: [{ node: '11', input: 'height' }],
      inputImages: [{ node: '10', input: 'image' }],
      filenamePrefix: { node: '9', input: 'filename_prefix' },
    },
    inputImages: 1,
    ...SDXL_OUTPUT,
  },
  'svd-image-to-video': {
    name: 'svd-image-to-video',
    description:
      'Stable Video Diffusion XT image to video: MP4 (H.264) from a first frame, core nodes only.',
    produces: 'video',
    workflow: svdImageToVideo as ApiWorkflow,
    mapping: {
      seed: [{ node: '5', input: 'seed' }],
      steps: [{ node: '5', input: 'steps' }],
      cfg: [{ node: '5', input: 'cfg' }],
      width: [{ node: '3', input: 'width' }],
      height: [{ node: '3', input: 'height' }],
      frames: [{ node: '3', input: 'video_frames' }],
      fps: [
        { node: '3', input: 'fps' },
        { node: '7', input: 'fps' },
      ],
      inputImages: [{ node: '2', input: 'image' }],
      filenamePrefix: { node: '8', input: 'filename_prefix' },
    },
    outputNode: '8',
    gpuMemoryMib: 12288,
    inputImages: 1,
    required: [],
    sizeMultiple: 8,
    models: { checkpoints: 'svd_xt.safetensors' },
    customNodes: [],
  },
  'depth-anything-v2': {
    name: 'depth-anything-v2',
    description:
      'Depth estimation with Depth Anything V2 (large): a grey-scale depth map of the input image.',
    produces: 'depth',
    workflow: depthAnythingV2 as ApiWorkflow,
    mapping: {
      inputImages: [{ node: '1', input: 'image' }],
      filenamePrefix: { node: '3', input: 'filename_prefix' },
    },
    outputNode: '3',
    gpuMemoryMib: 2048,
    inputImages: 1,
    required: [],
    sizeMultiple: 1,
    models: { 'custom_nodes/comfyui_controlnet_aux/ckpts': 'depth_anything_v2_vitl.pth' },
    customNodes: ['comfyui_controlnet_aux (Fannovel16/comfyui_controlnet_aux)'],
  },
} satisfies Record<string, ComfyTemplate>)

/** The template of each job kind, for stages that do not name one. */
export const DEFAULT_TEMPLATES = {
  textToImage: 'sdxl-text-to-image',
  imageToImage: 'sdxl-image-to-image',
  imageToVideo: 'svd-image-to-video',
  depth: 'depth-anything-v2',
} as const

/**
 * The template named `name`.
 *
 * @throws KamuiError CFG_003 when no template has that name (the model registry names it)
 */
export function getTemplate(name: string): ComfyTemplate {
  const template = Object.hasOwn(TEMPLATES, name) ? TEMPLATES[name] : undefined
  if (!template) {
    throw new KamuiError(
      'CFG_003',
      `No ComfyUI workflow template is named "${name}"; the shipped ones are ${Object.keys(TEMPLATES).join(', ')}.`,
      { retryable: false },
    )
  }
  return template
}

/**
 * Problems of a template's declarations: a mapped node or input that does not exist in the
 * workflow, an output node missing, an input-image target that is not a `LoadImage`, or a
 * count of input images that does not match. Empty when the template is consistent.
 */
export function templateProblems(template: ComfyTemplate): string[] {
  const problems: string[] = []
  const { workflow, mapping } = template
  const check = (param: string, target: InputTarget): void => {
    const node = workflow[target.node]
    if (!node) problems.push(`${param}: node ${target.node} is not in the workflow`)
    else if (!Object.hasOwn(node.inputs, target.input)) {
      problems.push(
        `${param}: node ${target.node} (${node.class_type}) has no input ${target.input}`,
      )
    }
  }
  for (const [param, targets] of Object.entries(mapping)) {
    for (const target of Array.isArray(targets) ? targets : [targets as InputTarget]) {
      check(param, target)
    }
  }
  for (const target of mapping.inputImages ?? []) {
    const node = workflow[target.node]
    if (node && node.class_type !== 'LoadImage') {
      problems.push(`inputImages: node ${target.node} is ${node.class_type}, not LoadImage`)
    }
  }
  if ((mapping.inputImages ?? []).length !== template.inputImages) {
    problems.push(
      `inputImages: ${template.inputImages} declared, ${(mapping.inputImages ?? []).length} mapped`,
    )
  }
  if (!workflow[template.outputNode])
    problems.push(`output node ${template.outputNode} is not in the workflow`)
  if (mapping.filenamePrefix.node !== template.outputNode) {
    problems.push(`filenamePrefix targets node ${mapping.filenamePrefix.node}, not the output node`)
  }
  for (const [id, node] of Object.entries(workflow)) {
    for (const [input, value] of Object.entries(node.inputs)) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') {
        if (!workflow[value[0]])
          problems.push(`node ${id} input ${input} links to missing node ${value[0]}`)
      }
    }
  }
  return problems
}
