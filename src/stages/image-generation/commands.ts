import type { StageCommand } from '../../core/stage-command.js'
import { parseV1Inputs, parseV2Inputs } from './inputs.js'
import { v1Outputs, v2Outputs } from './outputs.js'
import { runImageGeneration } from './run.js'
import {
  IMAGE_GENERATION_INPUTS,
  IMAGE_GENERATION_OUTPUTS,
  IMAGE_GENERATION_V2_INPUTS,
  IMAGE_GENERATION_V2_OUTPUTS,
} from './spec.js'
import { imageSummaryMarkdown } from './summary.js'

/** `image-generation`: the legacy v1 interface (SPEC §4), one image with imagen4-fast. */
export const imageGenerationCommand: StageCommand = {
  name: 'image-generation',
  description:
    'Generate one image (legacy v1 interface): images/generated-image.png and google-image-url.txt.',
  inputs: IMAGE_GENERATION_INPUTS,
  outputs: IMAGE_GENERATION_OUTPUTS,
  async run(raw, context) {
    const result = await runImageGeneration(parseV1Inputs(raw), context)
    return {
      outputs: v1Outputs(result),
      summary: imageSummaryMarkdown(result),
      folder: result.folder,
    }
  },
}

/** `image-generation-v2`: N images over several models with reports (SPEC §5). */
export const imageGenerationV2Command: StageCommand = {
  name: 'image-generation-v2',
  description:
    'Generate N images with one or more models in parallel, with legacy-compatible outputs and reports.',
  inputs: IMAGE_GENERATION_V2_INPUTS,
  outputs: IMAGE_GENERATION_V2_OUTPUTS,
  async run(raw, context) {
    const result = await runImageGeneration(parseV2Inputs(raw), context)
    return {
      outputs: v2Outputs(result, context.workspace),
      summary: imageSummaryMarkdown(result),
      folder: result.folder,
    }
  },
}
