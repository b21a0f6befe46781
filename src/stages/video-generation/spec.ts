import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { DEFAULT_COMFYUI_URL } from '../../providers/comfyui/urls.js'
import { NETWORK_INPUTS } from '../../contracts/network-inputs.js'
import { BUDGET_INPUTS } from '../../contracts/budget-inputs.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { SHARD_INPUTS } from '../../contracts/shard-manifest.js'
import { RESUME_INPUT } from '../../contracts/resume-input.js'
import { CACHE_INPUTS } from '../../contracts/cache-inputs.js'

/** The inputs of the legacy `video-generation` module (SPEC §4), names and default unchanged. */
const LEGACY_INPUTS: readonly InputSpec[] = [
  {
    name: 'video-prompt',
    required: true,
    description: 'What the clip should show (motion, camera, mood).',
  },
  {
    name: 'google-image-url',
    default: '',
    description:
      'URL of the first frame: the image URL the image stage returned (legacy name; fal CDN or Google ' +
      'storage). When it has expired (HTTP 404/410/403), is a preview:// identifier or is empty, ' +
      'input-image-path is used, then {folder}/images/generated-image.png.',
  },
  {
    name: 'folder-name',
    required: true,
    description:
      'Folder for the results, relative to the workspace (it may not leave the workspace). Clips go to ' +
      '{folder}/videos/segment-{N}.mp4, the joined video to {folder}/final/final-music-video.mp4.',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the results folder is committed to and pushed (see publish). Leave empty to commit nothing.',
  },
  {
    name: 'oauth-token',
    default: '',
    secret: true,
    description:
      'Claude Code OAuth token of the legacy module. Accepted for compatibility, masked and ignored: models ' +
      'are called directly over MCP.',
  },
  {
    name: 'mcp-config',
    default: '',
    secret: true,
    description:
      'The Claude Code `mcpServers` JSON (usually the MCP_CONFIG secret) with the video model tools ' +
      '(hailuo_02_submit/_status/_result, veo31_flf2v_*). Header and env values are masked. When empty, the ' +
      'offline preview server renders a labelled PREVIEW clip (no model).',
  },
  {
    name: 'segment-number',
    default: '1',
    description:
      'N of {folder}/videos/segment-{N}.mp4 for a single clip (1–999). With keyframes, the segments of the ' +
      'file are numbered by their own index instead.',
  },
]

/** The added inputs. */
const NEW_INPUTS: readonly InputSpec[] = [
  {
    name: 'input-image-path',
    default: '',
    description:
      'First frame as a local file in the workspace (PNG, JPEG, WebP): used when google-image-url is empty, ' +
      'expired or not downloadable. Hosted models receive it as a data: URL.',
  },
  {
    name: 'last-frame',
    default: '',
    description:
      'Last frame (URL or workspace path) for models that end on a given frame (hailuo-02-pro end_image_url, ' +
      'veo31-flf2v last_frame_url, the preview crossfade).',
  },
  {
    name: 'keyframes',
    default: '',
    description:
      'Path of a keyframes.json (from the keyframes stage): one clip per segment, from its firstFrame to its ' +
      'lastFrame, with the segment duration; written as videos/segment-{index}.mp4.',
  },
  {
    name: 'model',
    default: '',
    description:
      'Video model: hailuo-02-pro, veo31-flf2v (needs a last frame), preview (offline pan-and-zoom, labelled ' +
      'PREVIEW), a registry alias of kind video, or a ComfyUI image-to-video template where one is available. ' +
      'Empty: hailuo-02-pro with mcp-config, preview without. A hosted model without mcp-config is stood in ' +
      'for by the preview server, labelled preview:<alias>.',
  },
  {
    name: 'duration',
    default: '6',
    description:
      'Clip length in seconds (0.5–30; keyframes use each segment duration). Hosted tools that declare a ' +
      'duration argument receive it; hosted models may round it to the lengths they support, and the real ' +
      'length is measured and reported.',
  },
  {
    name: 'aspect-ratio',
    default: '',
    description: "W:H of the clip (16:9, 9:16, 1:1, …). Empty: the first frame's own.",
  },
  { name: 'fps', default: '24', description: 'Frames per second of preview clips (1–60).' },
  {
    name: 'concatenate',
    default: 'false',
    description:
      'Join the clips in order into final/final-music-video.mp4 (H.264) with the music track (true/false).',
  },
  {
    name: 'music-file',
    default: '',
    description:
      'Music track for the joined video (workspace path, any format ffmpeg reads); looped when shorter than the ' +
      'clips, cut when longer. Empty: {folder}/music/generated-music.wav when it exists, else no sound.',
  },
  {
    name: 'video-timeout',
    default: '900',
    description:
      'Deadline of one clip in seconds (submit, status polling, result, download, retries).',
  },
  {
    name: 'poll-interval',
    default: '5',
    description: 'Seconds between two status calls of a hosted video job (0.05–60).',
  },
  {
    name: 'max-parallel',
    default: '2',
    description: 'Clips generated at once (1–10), for keyframes with several segments.',
  },
  {
    name: 'model-registry',
    default: '',
    description:
      'Path (in the workspace) of a JSON or YAML file that adds or overrides model aliases (kind: video for ' +
      'video models).',
  },
  {
    name: 'allow-bundled-ffmpeg',
    default: 'false',
    description:
      'Use the static ffmpeg of the @ffmpeg-installer npm package (FFmpeg 4.1 from December 2018, no security ' +
      'fixes since) when the runner has no ffmpeg on the PATH (true/false). Default false: the stage then stops ' +
      'before generating anything and says how to install ffmpeg (sudo apt-get install -y ffmpeg; GitHub-hosted ' +
      'Ubuntu runners ship one). The ffmpeg used and its version are recorded in the telemetry.',
  },
  {
    name: 'comfyui-url',
    default: DEFAULT_COMFYUI_URL,
    description:
      'ComfyUI server URL(s) for ComfyUI video models (svd-image-to-video), comma-separated: each clip goes to ' +
      'the least-loaded healthy server, after a GPU memory check. Contacted only for those models.',
  },
]

/** Inputs of `actions/video-generation`. */
export const VIDEO_GENERATION_INPUTS: readonly InputSpec[] = [
  ...LEGACY_INPUTS,
  ...NEW_INPUTS,
  ...SHARD_INPUTS,
  RESUME_INPUT,
  ...CACHE_INPUTS,
  PROVENANCE_INPUT,
  ...BUDGET_INPUTS,
  ...NETWORK_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/video-generation`. */
export const VIDEO_GENERATION_OUTPUTS: readonly OutputSpec[] = [
  { name: 'video-completed', description: '"true" when every clip was made (legacy output).' },
  {
    name: 'video-url',
    description:
      'The URL the model returned for the first clip (hosted URLs expire after about an hour; ' +
      'preview://video/… for preview clips).',
  },
  {
    name: 'video-path',
    description:
      'Path (relative to the workspace) of the joined video when concatenate is true, else of the first clip.',
  },
  {
    name: 'video-paths',
    description: 'JSON array of the clip paths (relative to the workspace), in segment order.',
  },
  {
    name: 'final-video-path',
    description:
      'Path of final/final-music-video.mp4 when concatenate is true, else empty (the legacy video-concatenation output).',
  },
  {
    name: 'used-model',
    description: 'Alias of the video model (preview:<alias> when the preview server stood in).',
  },
]
