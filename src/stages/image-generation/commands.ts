import type { RawInputs } from '../../core/input-spec.js'
import type { StageCommand } from '../../core/stage-command.js'
import type { StageContext } from '../../core/stage-context.js'
import { parseV1Inputs, parseV2Inputs, type ImageGenerationInputs } from './inputs.js'
import { v1Outputs, v2Outputs } from './outputs.js'
import { runImageGeneration, type ImageGenerationResult } from './run.js'
import { runImageDryRun } from './dry-run.js'
import { planTable } from '../../runner/job-plan.js'
import {
  IMAGE_GENERATION_INPUTS,
  IMAGE_GENERATION_OUTPUTS,
  IMAGE_GENERATION_V2_INPUTS,
  IMAGE_GENERATION_V2_OUTPUTS,
} from './spec.js'
import { imageSummaryMarkdown } from './summary.js'

/** The parts in which the v1 and v2 commands differ. */
interface ImageCommandSpec extends Pick<
  StageCommand,
  'name' | 'description' | 'inputs' | 'outputs'
> {
  parse: (raw: RawInputs) => ImageGenerationInputs
  outputsOf: (result: ImageGenerationResult, context: StageContext) => Record<string, string>
}

/** An image-generation command: parse the inputs, run the stage, present its outputs. */
function imageCommand(spec: ImageCommandSpec): StageCommand {
  const { parse, outputsOf, ...command } = spec
  return {
    ...command,
    async run(raw, context) {
      const inputs = parse(raw)
      if (inputs.budget.dryRun) {
        const dry = await runImageDryRun(inputs, context)
        return { outputs: {}, summary: planTable(dry.plan), folder: dry.folder }
      }
      const result = await runImageGeneration(inputs, context)
      return {
        outputs: outputsOf(result, context),
        summary: imageSummaryMarkdown(result),
        summaryWith: (links) => imageSummaryMarkdown(result, links),
        folder: result.folder,
      }
    },
  }
}

/** `image-generation`: the legacy v1 interface (SPEC §4), one image with imagen4-fast. */
export const imageGenerationCommand: StageCommand = imageCommand({
  name: 'image-generation',
  description:
    'Generate one image (legacy v1 interface): images/generated-image.png and google-image-url.txt.',
  inputs: IMAGE_GENERATION_INPUTS,
  outputs: IMAGE_GENERATION_OUTPUTS,
  parse: parseV1Inputs,
  outputsOf: (result) => v1Outputs(result),
})

/** `image-generation-v2`: N images over several models with reports (SPEC §5). */
export const imageGenerationV2Command: StageCommand = imageCommand({
  name: 'image-generation-v2',
  description:
    'Generate N images with one or more models in parallel, with legacy-compatible outputs and reports.',
  inputs: IMAGE_GENERATION_V2_INPUTS,
  outputs: IMAGE_GENERATION_V2_OUTPUTS,
  parse: parseV2Inputs,
  outputsOf: (result, context) => v2Outputs(result, context.workspace),
})
