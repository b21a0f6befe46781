import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { DEFAULT_COMFYUI_URL } from '../../providers/comfyui/urls.js'
import { NETWORK_INPUTS } from '../../contracts/network-inputs.js'
import { BUDGET_INPUTS } from '../../contracts/budget-inputs.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { RESUME_INPUT } from '../../contracts/resume-input.js'
import { CACHE_INPUTS } from '../../contracts/cache-inputs.js'
import { MODEL_CACHE_DIR_INPUT } from '../../models/cpu/options.js'

/** The inputs of the legacy `pointcloud-generation` module (SPEC §4), names and defaults unchanged. */
const LEGACY_INPUTS: readonly InputSpec[] = [
  {
    name: 'input-image-path',
    required: true,
    description: 'The image to turn into a point cloud (workspace path; PNG, JPEG or WebP).',
  },
  {
    name: 'output-folder',
    required: true,
    description:
      'Folder for depth.png, depth_gray.png and pointcloud.ply, relative to the workspace (it may not leave it).',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the output folder is committed to and pushed (see publish). Leave empty to commit nothing.',
  },
  {
    name: 'depth-model',
    default: 'midas_v21_small',
    description:
      'Where depth comes from. A model name (midas_v21_small, depth-anything, …): the MCP tool of that name ' +
      '(- becomes _; the tool itself, or <name>_submit/_status/_result) on the mcp-config servers; "mcp:<tool>" ' +
      'names a tool exactly. "comfyui:<template>": a ComfyUI depth workflow where available. "preview": the ' +
      'preview server\'s placeholder depth (labelled PREVIEW, not a model). "luminance-heuristic": depth guessed ' +
      'from brightness (labelled as a heuristic). "depth-anything-v2-small": Depth Anything V2 Small on the runner ' +
      'CPU (weights from the Hugging Face Hub on first use, see model-cache-dir); without mcp-config the default ' +
      'midas_v21_small means it too. "auto": that model, else the preview placeholder. Without mcp-config and ' +
      'depth-image, another model name fails with PC_001 (no depth is invented).',
  },
  {
    name: 'color-mode',
    default: 'color',
    description: 'Point colours: color (the image), monochrome (Rec. 601 grey) or sepia.',
  },
]

/** The added inputs. */
const NEW_INPUTS: readonly InputSpec[] = [
  {
    name: 'depth-image',
    default: '',
    description:
      'A depth map you already have (workspace path; grey PNG 8 or 16 bits, brighter = nearer; resized to the ' +
      'image when the sizes differ). When given, depth-model is not used.',
  },
  {
    name: 'mcp-config',
    default: '',
    secret: true,
    description:
      'The Claude Code `mcpServers` JSON with the depth tool (usually the MCP_CONFIG secret). Header and env ' +
      'values are masked.',
  },
  {
    name: 'max-points',
    default: '100000',
    description:
      'Most points in the cloud (1–10000000): the image is sampled every s-th pixel, with the smallest s that keeps ' +
      'the count at or under it.',
  },
  {
    name: 'ply-format',
    default: 'binary',
    description: 'binary (binary_little_endian, 15 bytes per point) or ascii.',
  },
  {
    name: 'depth-timeout',
    default: '300',
    description: 'Deadline of the depth estimation in seconds.',
  },
  {
    name: 'comfyui-url',
    default: DEFAULT_COMFYUI_URL,
    description:
      'ComfyUI server URL(s) for depth-model comfyui:<template> (comfyui:depth-anything-v2), comma-separated: ' +
      'the job goes to the least-loaded healthy server, after a GPU memory check. Contacted only for those models.',
  },
  MODEL_CACHE_DIR_INPUT,
]

/** Inputs of `actions/pointcloud-generation`. */
export const POINTCLOUD_GENERATION_INPUTS: readonly InputSpec[] = [
  ...LEGACY_INPUTS,
  ...NEW_INPUTS,
  RESUME_INPUT,
  ...CACHE_INPUTS,
  PROVENANCE_INPUT,
  ...BUDGET_INPUTS,
  ...NETWORK_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/pointcloud-generation`. */
export const POINTCLOUD_GENERATION_OUTPUTS: readonly OutputSpec[] = [
  {
    name: 'pointcloud-completed',
    description: '"true" when the point cloud was written (legacy output).',
  },
  {
    name: 'depth-map-path',
    description:
      'Path (relative to the workspace) of {out}/depth.png, the colour-mapped depth (legacy output).',
  },
  {
    name: 'ply-file-path',
    description: 'Path (relative to the workspace) of {out}/pointcloud.ply (legacy output).',
  },
  {
    name: 'depth-gray-path',
    description:
      'Path of {out}/depth_gray.png: the 16-bit grey depth the cloud was built from (white = near).',
  },
  { name: 'point-count', description: 'Number of points (vertices) in pointcloud.ply.' },
  {
    name: 'depth-source',
    description:
      'Where the depth came from: mcp:<tool>, comfyui:<template>, depth-image:<path>, preview (placeholder) or ' +
      'luminance-heuristic.',
  },
]
