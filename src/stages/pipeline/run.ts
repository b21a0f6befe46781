import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError, errorMessage, isKamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import type { StageCommand } from '../../core/stage-command.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { renderPreviewMusic } from '../../media/preview/music.js'
import { imageGenerationV2Command } from '../image-generation/commands.js'
import { keyframesCommand } from '../keyframes/commands.js'
import { pointcloudGenerationCommand } from '../pointcloud-generation/commands.js'
import { videoGenerationCommand } from '../video-generation/commands.js'
import { webPlayerGenerationCommand } from '../web-player-generation/commands.js'
import { PIPELINE_INPUTS, PIPELINE_STAGES, type PipelineStage } from './spec.js'

/** What happened to one stage of a pipeline run. */
export interface StageRun {
  stage: PipelineStage
  status: 'ok' | 'failed' | 'skipped'
  /** Why it failed or was skipped (`CODE: message` for failures), or null. */
  reason: string | null
  outputs: Record<string, string>
  durationMs: number
}

/** What the pipeline returns. */
export interface PipelineResult {
  /** Absolute results folder. */
  folder: string
  runs: StageRun[]
  outputs: Record<string, string>
}

/** Length of the synthesized preview music track, seconds (the final video is trimmed or looped to the clips). */
const PREVIEW_MUSIC_SECONDS = 30

/**
 * The whole pipeline (SPEC §1, §6): image generation v2 → keyframes → video → point cloud →
 * web player, each through the same stage command as its action, passing outputs between them
 * (the primary image feeds keyframes, video and point cloud; keyframes feed the video; every
 * result feeds the web player). `stages` picks which run. The image stage is required by the
 * others: when it fails, the pipeline fails. Any other stage that fails is recorded with its
 * reason and the later stages still run with what exists, so no result is lost.
 *
 * Without `mcp-config` every stage runs on the offline preview server, and a synthesized
 * PREVIEW music track (not a music model) is written when no `music-file` is given.
 *
 * @throws KamuiError the image stage's error when it fails; CFG_001 for an unknown stage name
 */
export async function runPipeline(raw: RawInputs, context: StageContext): Promise<PipelineResult> {
  const r = withDefaults(PIPELINE_INPUTS, raw)
  const folderName = (r['folder-name'] ?? '').trim()
  const folder = resolveInWorkspace(context.workspace, folderName, 'folder-name')
  const concept = (r['concept'] ?? '').trim()
  if (concept === '') throw new KamuiError('IMG_009', 'concept is empty: describe the music video.')
  const wanted = parseStages(r['stages'] ?? '')
  const mcpConfig = r['mcp-config'] ?? ''
  // Inputs every stage may take (a stage ignores the names it does not declare).
  const common = {
    'folder-name': folderName,
    'mcp-config': mcpConfig,
    'branch-name': '',
    publish: 'none',
    'comfyui-url': r['comfyui-url'] ?? '',
    'llm-url': r['llm-url'] ?? '',
    'ollama-url': r['ollama-url'] ?? '',
  }
  const optional = (name: string, value: string | undefined): RawInputs =>
    value && value.trim() !== '' ? { [name]: value.trim() } : {}
  const runs: StageRun[] = []
  const { logger } = context

  const step = async (
    stage: PipelineStage,
    command: StageCommand,
    inputs: () => Promise<RawInputs> | RawInputs,
    skip?: string,
  ): Promise<Record<string, string> | undefined> => {
    if (!wanted.has(stage)) return undefined
    const started = performance.now()
    const record = (
      status: StageRun['status'],
      reason: string | null,
      outputs: Record<string, string> = {},
    ): void => {
      runs.push({
        stage,
        status,
        reason,
        outputs,
        durationMs: Math.round(performance.now() - started),
      })
    }
    if (skip) {
      record('skipped', skip)
      logger.warn(`pipeline: ${stage} skipped: ${skip}`)
      return undefined
    }
    logger.info(`pipeline: ${stage} (${command.name}) …`)
    try {
      const result = await command.run(await inputs(), context)
      record('ok', null, result.outputs)
      return result.outputs
    } catch (error) {
      const reason = isKamuiError(error) ? error.message : `GEN_001: ${errorMessage(error)}`
      record('failed', reason)
      if (stage === 'image' || isKamuiError(error, 'RUN_001')) throw error
      logger.warn(`pipeline: ${stage} failed (${reason}); the other stages go on.`)
      return undefined
    }
  }

  const primary = path.posix.join(folderName, 'images/generated-image.png')
  const image = await step('image', imageGenerationV2Command, () => ({
    ...common,
    'image-prompt': concept,
    'image-count': r['image-count'] ?? '3',
    models: r['models'] ?? 'auto',
    ...optional('translate-prompt', r['translate-prompt']),
  }))
  const haveImage = image !== undefined || !wanted.has('image')
  const noImage = haveImage ? undefined : 'the image stage did not run or failed'

  const needsMusic = wanted.has('video') || wanted.has('web')
  const music = needsMusic ? await musicFile(r, folder, folderName, concept, context) : undefined
  const keyframes = await step(
    'keyframes',
    keyframesCommand,
    () => ({
      ...common,
      concept,
      'product-images': primary,
      'segment-count': r['segment-count'] ?? '4',
      'aspect-ratio': r['aspect-ratio'] ?? '16:9',
      ...optional('keyframe-model', r['keyframe-model']),
    }),
    noImage,
  )
  const video = await step(
    'video',
    videoGenerationCommand,
    () => ({
      ...common,
      'video-prompt': concept,
      'google-image-url': image?.['google-image-url'] ?? '',
      'input-image-path': primary,
      keyframes: keyframes?.['keyframes-json'] ?? '',
      'aspect-ratio': r['aspect-ratio'] ?? '16:9',
      concatenate: music ? 'true' : 'false',
      'music-file': music ?? '',
      ...optional('model', r['video-model']),
    }),
    noImage,
  )
  const pointcloud = await step(
    'pointcloud',
    pointcloudGenerationCommand,
    () => ({
      ...common,
      'input-image-path': primary,
      'output-folder': path.posix.join(folderName, 'pointcloud'),
      // Without mcp-config there is no depth model: the preview server's labelled placeholder depth.
      ...(mcpConfig === '' ? { 'depth-model': 'preview' } : {}),
      ...optional('depth-model', r['depth-model']),
    }),
    noImage,
  )
  const web = await step('web', webPlayerGenerationCommand, () => ({
    'folder-name': folderName,
    'music-concept': concept,
    'music-file': music ?? '',
    'ply-file-path': pointcloud?.['ply-file-path'] ?? '',
    'video-files': videoFiles(video),
  }))

  const outputs: Record<string, string> = {
    'stages-run': JSON.stringify(
      runs.map(({ stage, status, reason, outputs: o }) => ({ stage, status, reason, outputs: o })),
    ),
    'failed-stages': JSON.stringify(runs.filter((s) => s.status === 'failed').map((s) => s.stage)),
    'google-image-url': image?.['google-image-url'] ?? '',
    'primary-image-path': image ? primary : '',
    'keyframes-json': keyframes?.['keyframes-json'] ?? '',
    'video-paths': video?.['video-paths'] ?? '[]',
    'final-video-path': video?.['final-video-path'] ?? '',
    'ply-file-path': pointcloud?.['ply-file-path'] ?? '',
    'web-player-path': web?.['web-player-path'] ?? '',
    'web-player-url': web?.['web-player-url'] ?? '',
  }
  return { folder, runs, outputs }
}

/** The `video-files` input of the web player: the clips and the final video. */
function videoFiles(video: Record<string, string> | undefined): string {
  if (!video) return ''
  const clips = JSON.parse(video['video-paths'] ?? '[]') as string[]
  const final = video['final-video-path']
  return JSON.stringify(final ? [...clips, final] : clips)
}

/**
 * The music track: the given file, or (only without mcp-config) a synthesized PREVIEW track
 * written to `{folder}/music/preview-music.wav`; undefined when neither.
 */
async function musicFile(
  r: RawInputs,
  folder: string,
  folderName: string,
  concept: string,
  context: StageContext,
): Promise<string | undefined> {
  const given = (r['music-file'] ?? '').trim()
  if (given !== '') return given
  if ((r['mcp-config'] ?? '') !== '') return undefined
  const music = renderPreviewMusic(concept, PREVIEW_MUSIC_SECONDS)
  await writeFileAtomic(path.join(folder, 'music/preview-music.wav'), music.wav)
  context.logger.warn(
    'pipeline: no music-file given: wrote a synthesized PREVIEW track (music/preview-music.wav): tones, not a music model.',
  )
  return path.posix.join(folderName, 'music/preview-music.wav')
}

/** @throws KamuiError CFG_001 naming an unknown stage */
function parseStages(text: string): Set<PipelineStage> {
  const names = text
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '')
  for (const name of names) {
    if (!(PIPELINE_STAGES as readonly string[]).includes(name)) {
      throw new KamuiError(
        'CFG_001',
        `stages: unknown stage "${name}"; the stages are ${PIPELINE_STAGES.join(', ')}.`,
      )
    }
  }
  return new Set(names as PipelineStage[])
}
