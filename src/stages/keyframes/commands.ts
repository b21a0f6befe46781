import path from 'node:path'
import type { StageCommand } from '../../core/stage-command.js'
import { parseKeyframesInputs } from './inputs.js'
import { SELF_HOSTED_KEYFRAMES, type KeyframesProviders } from './providers.js'
import { runKeyframes, type KeyframesResult } from './run.js'
import { KEYFRAMES_INPUTS, KEYFRAMES_OUTPUTS } from './spec.js'
import { keyframesSummaryMarkdown } from './summary.js'
import { runKeyframesDryRun } from './dry-run.js'
import { planTable } from '../../runner/job-plan.js'

/** The outputs of a keyframes run; `keyframes-json` is relative to the workspace. */
export function keyframesOutputs(
  result: KeyframesResult,
  workspace: string,
): Record<string, string> {
  return {
    'keyframes-json': path.relative(workspace, result.file),
    'frame-count': String(result.frameCount),
    'generated-frames': String(result.generatedFrames),
    'inherited-frames': String(result.inheritedFrames),
    'failed-segments': JSON.stringify(result.failedSegments),
    'keyframes-completed': String(result.complete),
  }
}

/**
 * The `keyframes` stage command with the providers it may use beyond MCP and the preview
 * server (the local LLM, ComfyUI); without them `llm` and ComfyUI aliases are refused.
 */
export function createKeyframesCommand(providers: KeyframesProviders = {}): StageCommand {
  return {
    name: 'keyframes',
    description:
      'Turn a concept (or a storyboard file) and product photos into first and last keyframes per segment (Hook → Body… → CTA).',
    inputs: KEYFRAMES_INPUTS,
    outputs: KEYFRAMES_OUTPUTS,
    async run(raw, context) {
      const inputs = parseKeyframesInputs(raw)
      if (inputs.dryRun) {
        const dry = await runKeyframesDryRun(inputs, context, providers)
        return { outputs: {}, summary: planTable(dry.plan), folder: dry.folder }
      }
      const result = await runKeyframes(inputs, context, providers)
      return {
        outputs: keyframesOutputs(result, context.workspace),
        summary: keyframesSummaryMarkdown(result),
        folder: result.folder,
      }
    },
  }
}

/**
 * `keyframes` (SPEC §6): MCP and preview providers, and on self-hosted runners ComfyUI
 * (`keyframe-model` aliases with `provider: comfyui`) and the local LLM (`llm`), connected only
 * when chosen.
 */
export const keyframesCommand: StageCommand = createKeyframesCommand(SELF_HOSTED_KEYFRAMES)
