import { markdownCell } from '../../core/markdown.js'
import path from 'node:path'
import type { StageCommand, SummaryLinks } from '../../core/stage-command.js'
import { imageSummaryMarkdown } from '../image-generation/summary.js'
import { runPipeline, type StageRun } from './run.js'
import { PIPELINE_INPUTS, PIPELINE_OUTPUTS } from './spec.js'

/**
 * The job summary: which stages ran, when each started and how long it took (seconds since the
 * pipeline started: stages that ran side by side overlap), and how they ended.
 *
 * @param wallMs the pipeline's wall time, ms
 */
export function pipelineSummaryMarkdown(runs: readonly StageRun[], wallMs: number): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
  return [
    '### kamui pipeline',
    '',
    '| stage | status | start | time | note |',
    '| --- | --- | --- | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.stage} | ${r.status} | ${s(r.startedMs)} | ${s(r.durationMs)} | ${r.reason ? markdownCell(r.reason) : ''} |`,
    ),
    '',
    `Wall time ${s(wallMs)}; keyframes, video and point cloud run side by side once the image is chosen.`,
    '',
  ].join('\n')
}

/**
 * The links of a subfolder (`relative` to the published folder, any separator) from those of
 * the published folder: files are looked up under it; the artifact and Pages links stay.
 */
export function nestedLinks(links: SummaryLinks, relative: string): SummaryLinks {
  const prefix = relative.split(path.sep).join('/')
  const { fileUrl } = links
  if (!fileUrl || prefix === '') return links
  return { ...links, fileUrl: (file) => fileUrl(`${prefix}/${file}`) }
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
    const summary = pipelineSummaryMarkdown(result.runs, result.wallMs)
    const image = result.results.image
    const imageFolder = image && path.relative(result.folder, image.folder)
    return {
      outputs: result.outputs,
      summary,
      // The image stage's part (prompt, contact sheet, cost) with links into its subfolder.
      // (Only for an image folder inside the published one: nothing else is linked.)
      ...(image && imageFolder !== undefined && !imageFolder.startsWith('..')
        ? {
            summaryWith: (links: SummaryLinks) =>
              `${summary}\n${imageSummaryMarkdown(image, nestedLinks(links, imageFolder))}`,
          }
        : {}),
      folder: result.folder,
    }
  },
}
