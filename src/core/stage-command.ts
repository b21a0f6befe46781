import type { InputSpec, OutputSpec, RawInputs } from './input-spec.js'
import type { StageContext } from './stage-context.js'

/** What a stage command returns: outputs, and optionally Markdown for the job summary. */
export interface StageCommandResult {
  outputs: Record<string, string>
  summary?: string
  /** The stage's results folder (absolute), published by the adapter when asked to. */
  folder?: string
}

/**
 * A stage as both adapters see it: the action entry (`runAction`) and the `kamui` subcommand
 * of the same name, with the same inputs, outputs and behaviour.
 */
export interface StageCommand {
  /** The action folder name and the CLI subcommand. */
  name: string
  description: string
  inputs: readonly InputSpec[]
  outputs: readonly OutputSpec[]
  /**
   * Programs the stage runs besides Node: the action adapter installs the pinned `ffmpeg` into
   * the runner's tool cache when the runner has none (the CLI expects it on the PATH or in the
   * optional npm dependency).
   */
  needs?: readonly 'ffmpeg'[]
  run(raw: RawInputs, context: StageContext): Promise<StageCommandResult>
}
