import { markdownCell } from '../../core/markdown.js'
import { costLine } from '../../output/reports/cost-line.js'
import path from 'node:path'
import type { RawInputs } from '../../core/input-spec.js'
import type { StageCommand } from '../../core/stage-command.js'
import type { StageContext } from '../../core/stage-context.js'
import { comfyVideoProviderFor } from '../../providers/video/comfy-video-provider.js'
import { comfyJobRunner } from '../../runner/job-runner.js'
import { parseVideoInputs } from './inputs.js'
import type { VideoGenerationDeps } from './models.js'
import { runVideoGeneration, type VideoGenerationResult } from './run.js'
import { runVideoDryRun } from './dry-run.js'
import { planTable } from '../../runner/job-plan.js'
import { VIDEO_GENERATION_INPUTS, VIDEO_GENERATION_OUTPUTS } from './spec.js'
import { outputUrl } from '../../core/url.js'
import { jobCountsSentence } from '../../runner/journal.js'

/**
 * The action outputs of a finished run. Paths are relative to the workspace with forward
 * slashes (`<folder>/videos/segment-1.mp4`).
 */
export function videoOutputs(
  result: VideoGenerationResult,
  workspace: string,
): Record<string, string> {
  const rel = (file: string): string =>
    path.relative(workspace, path.join(result.folder, file)).split(path.sep).join('/')
  const clipPaths = result.clips.map((c) => rel(c.file as string))
  const finalPath = result.final ? rel(result.final.file) : ''
  return {
    'video-completed': 'true',
    // Model-controlled: written as data (one line, http(s) re-serialised, or preview://).
    'video-url': outputUrl(result.clips[0]?.url, 'video-url'),
    'video-path': finalPath || (clipPaths[0] ?? ''),
    'video-paths': JSON.stringify(clipPaths),
    'final-video-path': finalPath,
    'used-model': result.model,
  }
}

/** Markdown for the job summary. */
export function videoSummaryMarkdown(result: VideoGenerationResult, workspace: string): string {
  const lines = [
    `### Video generation${result.preview ? ' (PREVIEW)' : ''}`,
    '',
    '| segment | file | model | size | frames | duration |',
    '| --- | --- | --- | --- | --- | --- |',
    ...result.clips.map((c) => {
      const v = c.video
      return `| ${c.segment} | \`${path.relative(workspace, path.join(result.folder, c.file as string))}\` | ${markdownCell(c.model)} | ${v ? `${v.width}×${v.height}` : '?'} | ${v?.frames ?? '?'} | ${v?.duration_s?.toFixed(2) ?? '?'} s |`
    }),
  ]
  if (result.final) {
    lines.push(
      '',
      `Joined: \`${path.relative(workspace, path.join(result.folder, result.final.file))}\`, ` +
        `${result.final.duration_s.toFixed(2)} s, music: ${result.final.music ?? 'none'}` +
        (result.final.music_fit ? ` (${result.final.music_fit})` : '') +
        '.',
    )
  }
  const jobs = result.report.summary.jobs
  if (jobs) lines.push('', jobCountsSentence(jobs))
  lines.push('', costLine(result.report.cost))
  for (const notice of result.report.notices) lines.push('', `> ${notice}`)
  return lines.join('\n')
}

/**
 * A ComfyUI image-to-video plug-in on servers of its own (the `comfyui-url` of `raw`), for
 * callers of {@link runVideoGeneration} that bring their own ComfyUI: a `model` that is a
 * shipped video template (`svd-image-to-video`), `comfyui:<template>`, or a registry alias of
 * kind video with `provider: comfyui` runs that template there. The command does not need it:
 * the run's model services serve the same models on the run's `comfyui-url`. The pool is made
 * only for such a model, and no server is contacted before the first clip; the GPU check finds
 * `nvidia-smi` through the context's env.
 */
export function comfyVideoDeps(raw: RawInputs, context: StageContext): VideoGenerationDeps {
  return {
    videoProvider: (model, { registry, logger }) => {
      const runner = comfyJobRunner(raw['comfyui-url'], logger)
      return comfyVideoProviderFor(model, registry, runner, { env: context.env })
    },
  }
}

/**
 * `video-generation`: the legacy interface (SPEC §4) plus keyframes, last frames, models,
 * concatenation with music, and the preview provider.
 *
 * @param deps plug-ins asked before the model services' providers (e.g. {@link comfyVideoDeps}), or a
 *   function making them per run from the raw inputs and the context
 */
export function createVideoGenerationCommand(
  deps: VideoGenerationDeps | ((raw: RawInputs, context: StageContext) => VideoGenerationDeps) = {},
): StageCommand {
  return {
    name: 'video-generation',
    needs: ['ffmpeg'],
    description:
      'Generate video clips from an image (or keyframes) with a video model over MCP, or a labelled preview ' +
      'clip offline; optionally join them with music into final/final-music-video.mp4.',
    inputs: VIDEO_GENERATION_INPUTS,
    outputs: VIDEO_GENERATION_OUTPUTS,
    async run(raw, context) {
      const runDeps = typeof deps === 'function' ? deps(raw, context) : deps
      const inputs = parseVideoInputs(raw)
      if (inputs.dryRun) {
        const dry = await runVideoDryRun(inputs, context, runDeps)
        return { outputs: {}, summary: planTable(dry.plan), folder: dry.folder }
      }
      const result = await runVideoGeneration(inputs, context, runDeps)
      return {
        outputs: videoOutputs(result, context.workspace),
        summary: videoSummaryMarkdown(result, context.workspace),
        folder: result.folder,
      }
    },
  }
}

/**
 * The `video-generation` command: MCP models, the preview server and ComfyUI templates, all
 * through the run's model services.
 */
export const videoGenerationCommand: StageCommand = createVideoGenerationCommand()
