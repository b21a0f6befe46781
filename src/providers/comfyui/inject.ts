import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import type { ComfyTemplate, InputTarget, ScalarParam } from './templates/index.js'
import type { ApiWorkflow } from './types.js'

/** The parameters of one ComfyUI job. Absent ones keep the template's defaults. */
export interface ComfyJobParams {
  /** Positive prompt (required by the text-to-image and image-to-image templates). */
  prompt?: string
  negativePrompt?: string
  /** Sampler seed, an integer ≥ 0. */
  seed: number
  /** Output size in pixels (rounded to the template's `sizeMultiple`). */
  width?: number
  height?: number
  /** Sampler steps. */
  steps?: number
  /** Classifier-free guidance scale. */
  cfg?: number
  /** Image-to-image strength, 0–1 (how much of the input image is re-drawn). */
  denoise?: number
  /** Video frames (image-to-video). */
  frames?: number
  /** Video frames per second (image-to-video). */
  fps?: number
  /** Input images (PNG, JPEG or WebP bytes), uploaded before submission, in template order. */
  inputImages?: Uint8Array[]
  /**
   * Further inputs by node id and input name, e.g. `{ "4.ckpt_name": "sdxl.safetensors" }`
   * (another checkpoint file). The node and input must exist in the template.
   */
  overrides?: Record<string, string | number | boolean>
}

/** Limits of the numeric parameters (ComfyUI's own input ranges). */
const LIMITS: Partial<Record<ScalarParam, { min: number; max: number; integer: boolean }>> = {
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
  width: { min: 16, max: 16384, integer: true },
  height: { min: 16, max: 16384, integer: true },
  steps: { min: 1, max: 10000, integer: true },
  cfg: { min: 0, max: 100, integer: false },
  denoise: { min: 0, max: 1, integer: false },
  frames: { min: 1, max: 4096, integer: true },
  fps: { min: 1, max: 1024, integer: false },
}

const SCALARS: ScalarParam[] = [
  'prompt',
  'negativePrompt',
  'seed',
  'width',
  'height',
  'steps',
  'cfg',
  'denoise',
  'frames',
  'fps',
]

/**
 * A copy of the template's workflow with the job's parameters set through the template's
 * declared mapping (structured edits of the parsed workflow, never text replacement), the
 * uploaded image names in its `LoadImage` nodes, and `filenamePrefix` on its output node.
 *
 * @param imageNames the names the server gave the uploaded images (`subfolder/name` when the
 *   server put one in a subfolder), in template order
 * @throws KamuiError IMG_009 when a required parameter (the prompt) is missing or empty;
 *   CFG_001 for a number out of range, a wrong count of input images, or an override naming
 *   a node or input the template does not have
 */
export function buildWorkflow(
  template: ComfyTemplate,
  params: ComfyJobParams,
  imageNames: string[],
  filenamePrefix: string,
  logger?: Logger,
): ApiWorkflow {
  const workflow = structuredClone(template.workflow)
  const set = (target: InputTarget, value: unknown): void => {
    const node = workflow[target.node]
    if (!node || !Object.hasOwn(node.inputs, target.input)) {
      throw new KamuiError(
        'CFG_003',
        `Template ${template.name}: node ${target.node} has no input ${target.input}.`,
      )
    }
    node.inputs[target.input] = value
  }

  for (const param of template.required) {
    const value = params[param]
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) {
      throw new KamuiError('IMG_009', `The ${template.name} workflow needs a ${describe(param)}.`, {
        retryable: false,
      })
    }
  }
  for (const param of SCALARS) {
    let value = params[param]
    if (value === undefined) continue
    const targets = template.mapping[param]
    if (!targets || targets.length === 0) {
      logger?.debug(`Template ${template.name} has no ${describe(param)} input; ${param} ignored.`)
      continue
    }
    if (typeof value === 'number') {
      value = checkNumber(template, param, value)
    }
    for (const target of targets) set(target, value)
  }

  const slots = template.mapping.inputImages ?? []
  if (imageNames.length !== slots.length) {
    throw new KamuiError(
      'CFG_001',
      `The ${template.name} workflow takes ${slots.length} input image(s), ${imageNames.length} given.`,
      { retryable: false },
    )
  }
  slots.forEach((target, i) => set(target, imageNames[i]))

  for (const [key, value] of Object.entries(params.overrides ?? {})) {
    const match = /^([^.]+)\.(.+)$/.exec(key)
    const node = match ? workflow[match[1] as string] : undefined
    if (!match || !node || !Object.hasOwn(node.inputs, match[2] as string)) {
      throw new KamuiError(
        'CFG_001',
        `Override "${key}": the ${template.name} workflow has no such node input (write "<node id>.<input name>").`,
        { retryable: false },
      )
    }
    node.inputs[match[2] as string] = value
  }
  set(template.mapping.filenamePrefix, filenamePrefix)
  return workflow
}

function checkNumber(template: ComfyTemplate, param: ScalarParam, value: number): number {
  const limit = LIMITS[param]
  if (!limit) return value
  if (!Number.isFinite(value) || (limit.integer && !Number.isInteger(value))) {
    throw outOfRange(template, param, value, limit)
  }
  let result = value
  if ((param === 'width' || param === 'height') && template.sizeMultiple > 1) {
    result = Math.max(
      template.sizeMultiple,
      Math.round(value / template.sizeMultiple) * template.sizeMultiple,
    )
  }
  if (result < limit.min || result > limit.max) throw outOfRange(template, param, value, limit)
  return result
}

function outOfRange(
  template: ComfyTemplate,
  param: ScalarParam,
  value: number,
  limit: { min: number; max: number; integer: boolean },
): KamuiError {
  return new KamuiError(
    'CFG_001',
    `The ${template.name} workflow's ${param} must be ${limit.integer ? 'an integer' : 'a number'} from ${limit.min} to ${limit.max}, not ${value}.`,
    { retryable: false },
  )
}

function describe(param: ScalarParam): string {
  return param === 'negativePrompt' ? 'negative prompt' : param
}
