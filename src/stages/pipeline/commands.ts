import { markdownCell } from '../../core/markdown.js'
import type { StageCommand } from '../../core/stage-command.js'
import { runPipeline, type StageRun } from './run.js'
import { PIPELINE_INPUTS, PIPELINE_OUTPUTS } from './spec.js'

/** The job summary: which stages ran, and how they ended. */
export function pipelineSummaryMarkdown(runs: readonly StageRun[]): string {
  return [
    '### kamui pipeline',
    '',
    '| stage | status | time | note |',
    '| --- | --- | --- | --- |',
    ...runs.map(
      (s) =>
        `| ${s.stage} | ${s.status} | ${(s.durationMs / 1000).toFixed(1)} s | ${s.reason ? markdownCell(s.reason) : ''} |`,
    ),
    '',
  ].join('\n')
}

/** `pipeline`: the root action and `kamui pipeline`. */
export const pipelineCommand: StageCommand = {
  name: 'pipeline',
  needs: ['ffmpeg'],
  description:
    'The whole music-video pipeline: image generation v2, keyframes, video, point cloud and web player, ' +
    'outputs passed between them; stages chosen by input.',
  inputs: PIPELINE_INPUTS,
  outputs: PIPELINE_OUTPUTS,
  async run(raw, context) {
    const result = await runPipeline(raw, context)
    return {
      outputs: result.outputs,
      summary: pipelineSummaryMarkdown(result.runs),
      folder: result.folder,
    }
  },
}
