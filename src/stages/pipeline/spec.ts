import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { NETWORK_INPUTS } from '../../contracts/network-inputs.js'
import { MAX_COST_INPUT } from '../../contracts/budget-inputs.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { RESUME_INPUT } from '../../contracts/resume-input.js'
import { PIPELINE_SHARD_INPUTS } from '../../contracts/shard-manifest.js'
import { CACHE_INPUTS } from '../../contracts/cache-inputs.js'
import { MODEL_CACHE_DIR_INPUT } from '../../models/cpu/options.js'

/** The stages of the pipeline, in order. */
export const PIPELINE_STAGES = ['image', 'keyframes', 'video', 'pointcloud', 'web'] as const
export type PipelineStage = (typeof PIPELINE_STAGES)[number]

/** Inputs of the root action and `kamui pipeline`. */
export const PIPELINE_INPUTS: readonly InputSpec[] = [
  {
    name: 'concept',
    required: true,
    description:
      'The concept of the music video: the image prompt, the story concept and the page title.',
  },
  {
    name: 'folder-name',
    required: true,
    description:
      'Folder for every result, relative to the workspace (it may not leave the workspace).',
  },
  {
    name: 'stages',
    default: PIPELINE_STAGES.join(','),
    description:
      'Comma-separated stages to run, in this order whatever the order given: image, keyframes, video, ' +
      'pointcloud, web. The image stage is needed by the others; a failed optional stage does not stop the rest.',
  },
  { name: 'image-count', default: '3', description: 'Images of the image stage, 1–10.' },
  {
    name: 'models',
    default: 'auto',
    description: 'Image models (comma list or auto), as in image-generation-v2.',
  },
  {
    name: 'segment-count',
    default: '4',
    description: 'Storyboard segments of the keyframes stage (Hook, Body…, CTA).',
  },
  {
    name: 'aspect-ratio',
    default: '16:9',
    description: 'Keyframe and video aspect ratio: 16:9, 9:16 or 1:1.',
  },
  {
    name: 'music-file',
    default: '',
    description:
      'Music track for the final video and the player, relative to the workspace. Empty without mcp-config: a ' +
      'synthesized PREVIEW track (not a music model) is written to {folder}/music/preview-music.wav.',
  },
  {
    name: 'keyframe-model',
    default: 'auto',
    description:
      'Keyframe image model of the keyframes stage (seedream-4, sdxl-img2img-local, preview, auto).',
  },
  {
    name: 'video-model',
    default: '',
    description:
      'Video model of the video stage (hailuo-02-pro, veo31-flf2v, svd-image-to-video on ComfyUI, preview). ' +
      'Empty: the stage default (preview without mcp-config).',
  },
  {
    name: 'depth-model',
    default: '',
    description:
      'Depth source of the point-cloud stage (an MCP depth tool, comfyui:depth-anything-v2, ' +
      'depth-anything-v2-small on the CPU, preview, luminance-heuristic). Empty: the stage default with ' +
      'mcp-config; without it Depth Anything V2 Small on the CPU (model-cache-dir), or the labelled preview ' +
      'placeholder when that model cannot be had.',
  },
  {
    name: 'comfyui-url',
    default: 'http://127.0.0.1:8188',
    description:
      'ComfyUI server URL(s), comma-separated, for the stages that use ComfyUI models (self-hosted GPU runners).',
  },
  {
    name: 'translate-prompt',
    default: 'off',
    description:
      'Translate a concept that is not in English with the local LLM before image generation: auto, always or off.',
  },
  {
    name: 'llm-url',
    default: 'http://127.0.0.1:1234',
    description:
      'LM Studio URL for translation and for story-model / enhancer-model "llm" (Ollama is the fallback).',
  },
  {
    name: 'ollama-url',
    default: 'http://127.0.0.1:11434',
    description: 'Ollama URL, used when LM Studio is down.',
  },
  {
    name: 'allow-bundled-ffmpeg',
    default: 'false',
    description:
      'Let the video stage use the static ffmpeg of the @ffmpeg-installer npm package (FFmpeg 4.1 from December ' +
      '2018, no security fixes since) when the runner has no ffmpeg on the PATH (true/false). Default false: with ' +
      'the video stage selected and no ffmpeg, the pipeline stops before generating anything and says how to ' +
      'install it (sudo apt-get install -y ffmpeg; GitHub-hosted Ubuntu runners ship one).',
  },
  {
    name: 'mcp-config',
    default: '',
    secret: true,
    description:
      'The `mcpServers` JSON (the MCP_CONFIG secret) for every stage. Empty: every stage runs on the offline ' +
      'preview server and its output is labelled as preview.',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the results folder is committed to once all stages ran (see publish). Empty: no commit.',
  },
  {
    name: 'oauth-token',
    default: '',
    secret: true,
    description: 'Accepted for compatibility with the legacy workflows; masked and ignored.',
  },
  PROVENANCE_INPUT,
  MODEL_CACHE_DIR_INPUT,
  {
    ...MAX_COST_INPUT,
    description:
      'Budget in US dollars applied to each generating stage of the pipeline as its own cap ' +
      '(image, keyframes, video, point cloud; empty: no cap): a stage submits no job that would ' +
      'take its cost past it, keeps what it made and ends with COST_001 (see max-cost-usd of ' +
      'the stages). Not one cap over the whole pipeline.',
  },
  {
    ...RESUME_INPUT,
    description: `Passed to every generating stage (image, keyframes, video, point cloud), each resuming from its own folder's journal. ${RESUME_INPUT.description}`,
  },
  ...CACHE_INPUTS.map((input) => ({
    ...input,
    description: `${input.description} Used by image, video and point cloud; keyframes uses cache-folder when given, else its own (.kamui-cache/keyframes).`,
  })),
  ...NETWORK_INPUTS,
  ...PIPELINE_SHARD_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of the pipeline. */
export const PIPELINE_OUTPUTS: readonly OutputSpec[] = [
  {
    name: 'stages-run',
    description:
      'JSON array of {stage, status (ok, failed, skipped), reason, outputs} in pipeline order.',
  },
  { name: 'failed-stages', description: 'JSON array of the stages that failed.' },
  { name: 'google-image-url', description: 'URL of the primary image (image stage).' },
  {
    name: 'primary-image-path',
    description: 'Path of the primary image, relative to the workspace.',
  },
  { name: 'keyframes-json', description: 'Path of keyframes.json (keyframes stage), or empty.' },
  { name: 'video-paths', description: 'JSON array of the video clips (video stage).' },
  { name: 'final-video-path', description: 'Path of final/final-music-video.mp4, or empty.' },
  { name: 'ply-file-path', description: 'Path of the point cloud (pointcloud stage), or empty.' },
  {
    name: 'web-player-path',
    description: 'Path of the web player index.html (web stage), or empty.',
  },
  {
    name: 'web-player-url',
    description: 'Where the web player will be served (GitHub Pages), or empty.',
  },
]
