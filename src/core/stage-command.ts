import type { InputSpec, OutputSpec, RawInputs } from './input-spec.js'
import type { StageContext } from './stage-context.js'

/**
 * Where the files of a stage's results folder can be opened once the adapter has published it
 * (issue 16 §3), for the job summary. Every member is absent when it does not apply.
 */
export interface SummaryLinks {
  /**
   * URL of a file of the results folder (path relative to the folder, `/`-separated): the
   * pushed commit's copy when published to a branch (renders as an image in the summary), or a
   * path relative to the workspace when the folder was not published.
   */
  fileUrl?: (relative: string) => string
  /** True when {@link fileUrl} points at a published copy (a URL), false for a workspace path. */
  published?: boolean
  /** The uploaded artifact holding the folder (its download page, or the run page). */
  artifactUrl?: string
  /** The GitHub Pages page of the folder, when it sits under `docs/` of a pushed branch. */
  pagesUrl?: string
}

/** What a stage command returns: outputs, and optionally Markdown for the job summary. */
export interface StageCommandResult {
  outputs: Record<string, string>
  summary?: string
  /**
   * The job summary with links to the published results (contact sheet, report, artifact,
   * Pages); the adapter calls it after publishing and uses it instead of `summary`.
   */
  summaryWith?: (links: SummaryLinks) => string
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
