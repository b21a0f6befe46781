import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { parseBooleanInput } from '../../core/parse-input.js'
import { parseV2Inputs, type ImageGenerationInputs } from '../image-generation/inputs.js'
import { parseKeyframesInputs, type KeyframesInputs } from '../keyframes/inputs.js'
import { parsePointcloudInputs, type PointcloudInputs } from '../pointcloud-generation/inputs.js'
import { parseVideoInputs, type VideoGenerationInputs } from '../video-generation/inputs.js'
import { parseWebPlayerInputs, type WebPlayerInputs } from '../web-player-generation/inputs.js'
import { PIPELINE_INPUTS, PIPELINE_STAGES, type PipelineStage } from './spec.js'

/**
 * A stage's typed inputs as the pipeline parsed them from its own inputs, or the error the
 * stage's parser threw (the stage then fails with it when its turn comes, as it did when it
 * was called through its string interface). `raw` is what the stage's parser read: the
 * provider factories of self-hosted runners (ComfyUI, local LLM) still take raw inputs.
 */
export type StageRequest<T> = { inputs: T; raw: RawInputs } | { error: unknown; raw: RawInputs }

/** The primary image of the image stage, relative to the run folder (the legacy file). */
export const PRIMARY_IMAGE_FILE = 'images/generated-image.png'
/** The synthesized PREVIEW music track, relative to the run folder. */
export const PREVIEW_MUSIC_FILE = 'music/preview-music.wav'

/** Typed inputs of the pipeline. Paths are workspace-relative with forward slashes. */
export interface PipelineInputs {
  concept: string
  folderName: string
  /** The stages to run. */
  stages: ReadonlySet<PipelineStage>
  /** Raw `mcpServers` JSON, or undefined: every stage on the offline preview server. */
  mcpConfig: string | undefined
  /** `{folder}/images/generated-image.png`: what keyframes, video and point cloud start from. */
  primaryImage: string
  /** `allow-bundled-ffmpeg`: the 2018 npm build may stand in for a missing system ffmpeg. */
  allowBundledFfmpeg: boolean
  /** The music track: `music-file`, the PREVIEW track without mcp-config, or undefined. */
  music: { file: string; preview: boolean } | undefined
  image: StageRequest<ImageGenerationInputs>
  keyframes: StageRequest<KeyframesInputs>
  /** Without keyframes, google-image-url or the run's results (filled in by the pipeline). */
  video: StageRequest<VideoGenerationInputs>
  pointcloud: StageRequest<PointcloudInputs>
  /** Without ply-file-path and video-files (filled in from the results by the pipeline). */
  web: StageRequest<WebPlayerInputs>
  /**
   * For a shard of a sharded run (`shard`, issue 13): the stages asked for that it leaves for
   * after `kamui merge` (a shard runs the image stage only). Absent otherwise.
   */
  afterMerge?: PipelineStage[]
}

/**
 * Parses the pipeline's raw inputs once (defaults applied) and, from them, each stage's typed
 * inputs with that stage's own parser (so the stage's defaults and checks apply).
 *
 * @throws KamuiError IMG_009 for an empty concept, CFG_001 for an empty folder-name, an
 *   unknown stage name or a malformed allow-bundled-ffmpeg; a stage's own input errors are kept in its {@link StageRequest}
 */
export function parsePipelineInputs(raw: RawInputs): PipelineInputs {
  const r = withDefaults(PIPELINE_INPUTS, raw)
  const text = (name: string): string => (r[name] ?? '').trim()
  const concept = text('concept')
  if (concept === '') throw new KamuiError('IMG_009', 'concept is empty: describe the music video.')
  const folderName = text('folder-name')
  if (folderName === '')
    throw new KamuiError('CFG_001', 'folder-name is empty: name the folder for the results.')
  const asked = parseStages(r['stages'] ?? '')
  // A shard makes only its images: the other stages need the whole run's primary image.
  const sharded = (r['shard'] ?? '').trim() !== ''
  const stages: Set<PipelineStage> = sharded ? new Set(['image']) : asked
  const afterMerge = sharded ? [...asked].filter((s) => s !== 'image') : undefined
  const mcpConfig = (r['mcp-config'] ?? '') === '' ? undefined : (r['mcp-config'] as string)
  const primaryImage = path.posix.join(folderName, PRIMARY_IMAGE_FILE)
  const givenMusic = text('music-file')
  const music = givenMusic
    ? { file: givenMusic, preview: false }
    : mcpConfig === undefined
      ? { file: path.posix.join(folderName, PREVIEW_MUSIC_FILE), preview: true }
      : undefined
  const own = {
    concept,
    folderName,
    stages,
    mcpConfig,
    primaryImage,
    allowBundledFfmpeg: parseBooleanInput(r, 'allow-bundled-ffmpeg'),
    music,
  }
  return { ...own, ...stageRequests(r, own), ...(afterMerge ? { afterMerge } : {}) }
}

/** The pipeline's own inputs, from which the stages' inputs are made. */
type OwnInputs = Omit<PipelineInputs, PipelineStage>

/**
 * Each stage's typed inputs, parsed by the stage's own parser from the raw inputs the pipeline
 * gives it (`r`: the pipeline's raw inputs with defaults applied).
 */
function stageRequests(r: RawInputs, p: OwnInputs): Pick<PipelineInputs, PipelineStage> {
  // Inputs every stage may take (a stage ignores the names it does not declare).
  const common: RawInputs = {
    'folder-name': p.folderName,
    'mcp-config': r['mcp-config'] ?? '',
    'branch-name': '',
    publish: 'none',
    'comfyui-url': r['comfyui-url'] ?? '',
    'llm-url': r['llm-url'] ?? '',
    'ollama-url': r['ollama-url'] ?? '',
    // Every stage embeds provenance, or none does (issue 16).
    'embed-provenance': r['embed-provenance'] ?? '',
    // Each generating stage gets the pipeline's max-cost-usd as its own cap (issue 11).
    'max-cost-usd': r['max-cost-usd'] ?? '',
    // Every generating stage resumes from its own folder's journal (issue 11).
    resume: r['resume'] ?? 'auto',
    // One CPU model cache for every stage (CLIP scoring, story figures, depth; issue 17).
    'model-cache-dir': r['model-cache-dir'] ?? '',
  }
  // The job cache of image, video and point cloud; keyframes keeps its own defaults unless a
  // cache-folder is given.
  const cache: RawInputs = {
    'cache-folder': r['cache-folder'] ?? '',
    'cache-ttl-hours': r['cache-ttl-hours'] ?? '',
  }
  const optional = (name: string, value: string | undefined): RawInputs =>
    value && value.trim() !== '' ? { [name]: value.trim() } : {}
  return {
    image: request(parseV2Inputs, {
      ...common,
      ...cache,
      'image-prompt': p.concept,
      'image-count': r['image-count'] ?? '3',
      models: r['models'] ?? 'auto',
      ...optional('translate-prompt', r['translate-prompt']),
      shard: r['shard'] ?? '',
      'shard-manifest': r['shard-manifest'] ?? '',
    }),
    keyframes: request(parseKeyframesInputs, {
      ...common,
      concept: p.concept,
      'product-images': p.primaryImage,
      'segment-count': r['segment-count'] ?? '4',
      'aspect-ratio': r['aspect-ratio'] ?? '16:9',
      ...optional('keyframe-model', r['keyframe-model']),
      ...optional('cache-folder', r['cache-folder']),
    }),
    video: request(parseVideoInputs, {
      ...common,
      ...cache,
      'video-prompt': p.concept,
      'input-image-path': p.primaryImage,
      'aspect-ratio': r['aspect-ratio'] ?? '16:9',
      concatenate: p.music ? 'true' : 'false',
      'music-file': p.music?.file ?? '',
      'allow-bundled-ffmpeg': String(p.allowBundledFfmpeg),
      ...optional('model', r['video-model']),
    }),
    pointcloud: request(parsePointcloudInputs, {
      ...common,
      ...cache,
      'input-image-path': p.primaryImage,
      'output-folder': path.posix.join(p.folderName, 'pointcloud'),
      // Without mcp-config: Depth Anything V2 Small on the CPU, else (its model cannot be had) the
      // preview server's labelled placeholder depth.
      ...(p.mcpConfig === undefined ? { 'depth-model': 'auto' } : {}),
      ...optional('depth-model', r['depth-model']),
    }),
    web: request(parseWebPlayerInputs, {
      'folder-name': p.folderName,
      'music-concept': p.concept,
      'music-file': p.music?.file ?? '',
    }),
  }
}

function request<T>(parse: (raw: RawInputs) => T, raw: RawInputs): StageRequest<T> {
  try {
    return { inputs: parse(raw), raw }
  } catch (error) {
    return { error, raw }
  }
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
