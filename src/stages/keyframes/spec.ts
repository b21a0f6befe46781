import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { DEFAULT_COMFYUI_URL } from '../../providers/comfyui/urls.js'
import { MODEL_CACHE_DIR_INPUT } from '../../models/cpu/options.js'
import { LLM_INPUTS } from '../../providers/llm/inputs.js'
import { NETWORK_INPUTS } from '../../contracts/network-inputs.js'
import { BUDGET_INPUTS } from '../../contracts/budget-inputs.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { RESUME_INPUT } from '../../contracts/resume-input.js'

/** The local-LLM inputs that the keyframes stage uses (story-model / enhancer-model `llm`). */
const KEYFRAMES_LLM_INPUTS: readonly InputSpec[] = LLM_INPUTS.filter((i) =>
  ['llm-url', 'ollama-url', 'llm-model', 'ollama-model', 'llm-first-token-timeout'].includes(
    i.name,
  ),
).map((i) =>
  i.name === 'llm-url'
    ? {
        ...i,
        description:
          'LM Studio server (OpenAI-compatible API) used by story-model: llm and enhancer-model: llm; it is ' +
          'contacted only when one of them is llm. none: LM Studio is not tried.',
      }
    : i.name === 'llm-model'
      ? {
          ...i,
          description:
            'Model id for stories, storyboard and compositions (LM Studio model key, e.g. ' +
            'qwen2.5-7b-instruct). Empty: the first loaded chat model. An id the server does not ' +
            'have fails with LLM_003 listing the available ones.',
        }
      : i,
)

/** The ComfyUI servers of `provider: comfyui` keyframe models. */
const KEYFRAMES_COMFYUI_INPUTS: readonly InputSpec[] = [
  {
    name: 'comfyui-url',
    default: DEFAULT_COMFYUI_URL,
    description:
      'ComfyUI server URL(s) for sdxl-img2img-local and other ComfyUI keyframe models, comma-separated: each ' +
      'frame goes to the least-loaded healthy server, after a GPU memory check. Contacted only for those models.',
  },
  MODEL_CACHE_DIR_INPUT,
  {
    name: 'quality-scorer',
    default: 'none',
    description:
      'Score every generated keyframe against its render prompt: "clip" (CLIP ViT-B/32 on the runner CPU: ' +
      'CLIPScore calibrated to 0–1 and CLIP-IQA aesthetics, per frame in keyframes.json with model and revision; ' +
      'QA_001 when its model cannot be had, see model-cache-dir), "auto" (clip when its model is cached or can be ' +
      'downloaded, else none, saying why) or "none".',
  },
]

/** Inputs of `actions/keyframes` / `kamui keyframes` (SPEC §6). */
export const KEYFRAMES_INPUTS: readonly InputSpec[] = [
  {
    name: 'concept',
    default: '',
    description:
      'The product or campaign concept. Three story options are written for it (story-model) and the ' +
      'chosen one becomes a storyboard of segment-count segments. Required unless storyboard-file is given.',
  },
  {
    name: 'story-index',
    default: '1',
    description: 'Which of the generated stories to use, 1-based (default: the first).',
  },
  {
    name: 'storyboard-file',
    default: '',
    description:
      'Path (in the workspace) of a storyboard JSON file to use instead of generated stories: ' +
      '{ concept?, story?, segments: [{ type: hook|body|cta, description, duration }] }, 2–12 segments ' +
      'in the order hook, body…, cta (schema StoryboardFileSchema, see the README).',
  },
  {
    name: 'product-images',
    required: true,
    description:
      '1–10 product reference images: workspace paths or http(s) URLs, separated by newlines or commas. ' +
      'JPEG, PNG or WebP, at most 10 MB each; fewer than 3 gives a warning. Every frame is rendered with them.',
  },
  {
    name: 'aspect-ratio',
    default: '16:9',
    description: 'Keyframe aspect ratio: 16:9 (1280×720), 9:16 (720×1280) or 1:1 (1280×1280).',
  },
  {
    name: 'segment-count',
    default: '4',
    description:
      'Segments of a generated storyboard, 2–12: Hook, segment-count − 2 bodies, CTA. Ignored with storyboard-file.',
  },
  {
    name: 'story-model',
    default: 'auto',
    description:
      'Who writes the stories and the storyboard: "llm" (the local LLM), "preview" (offline template ' +
      'stories, labelled preview), or a model-registry alias of an MCP tool that answers JSON. "auto": the ' +
      'local LLM when one is connected, otherwise preview templates.',
  },
  {
    name: 'enhancer-model',
    default: 'auto',
    description:
      'Who writes the detailed composition of each frame: "nano-banana" (MCP), another MCP registry alias, ' +
      '"llm" (the local LLM) or "preview" (offline template, labelled preview). "auto": nano-banana with ' +
      'mcp-config, otherwise preview.',
  },
  {
    name: 'keyframe-model',
    default: 'auto',
    description:
      'Who renders each frame from its composition and the product references: "seedream-4" (MCP), another ' +
      'registry alias (MCP, or a ComfyUI image-to-image template), or "preview" (offline, labelled preview). ' +
      '"auto": seedream-4 with mcp-config, otherwise preview.',
  },
  {
    name: 'model-registry',
    default: '',
    description:
      'Path (in the workspace) of a JSON or YAML file that adds or overrides model aliases: ' +
      '{ models: { <alias>: { provider, call, arguments, rateLimit, priceUsd } } }.',
  },
  {
    name: 'mcp-config',
    default: '',
    secret: true,
    description:
      'The Claude Code `mcpServers` JSON (usually the MCP_CONFIG secret). Header and env values are ' +
      'masked. When empty, every MCP model is served by the offline preview server and labelled preview.',
  },
  {
    name: 'max-parallel',
    default: '4',
    description: 'Most model calls in flight at once, 1–10.',
  },
  {
    name: 'schedule',
    default: 'graph',
    description:
      '"graph": every step starts as soon as what it needs is ready (compositions in parallel, renders ' +
      'after their composition and reference frame). "sequential": one step at a time in storyboard ' +
      'order (for comparison and debugging).',
  },
  {
    name: 'seed',
    default: '0',
    description:
      'Base seed (integer). The first frame of segment n uses seed + 2(n − 1), its last frame one more.',
  },
  {
    name: 'cache-folder',
    default: '.kamui-cache/keyframes',
    description:
      'Folder (in the workspace) of the result cache: compositions, renders and stories keyed by a hash ' +
      'of their full inputs. Keep it between runs (e.g. actions/cache) to skip unchanged steps.',
  },
  {
    name: 'cache-ttl-hours',
    default: '24',
    description:
      'How long cached results are used, in hours (0 turns the cache off: nothing is read or written).',
  },
  {
    name: 'retry-segments',
    default: '',
    description:
      'Comma-separated segment numbers to regenerate, reusing everything else from the keyframes.json of an ' +
      "earlier run in folder-name (its storyboard and the other segments' frames). Empty: a normal run.",
  },
  {
    name: 'frame-timeout',
    default: '600',
    description: 'Deadline of one step (composition or render) in seconds, retries included.',
  },
  { name: 'total-timeout', default: '3600', description: 'Deadline of the whole step in seconds.' },
  {
    name: 'folder-name',
    required: true,
    description:
      'Folder for the results, relative to the workspace (it may not leave the workspace): ' +
      'keyframes.json and keyframes/segment-{n}-first.png / -last.png.',
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
    description: 'Accepted for compatibility with the legacy modules, masked and ignored.',
  },
  RESUME_INPUT,
  ...KEYFRAMES_LLM_INPUTS,
  ...KEYFRAMES_COMFYUI_INPUTS,
  PROVENANCE_INPUT,
  ...BUDGET_INPUTS,
  ...NETWORK_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/keyframes`. */
export const KEYFRAMES_OUTPUTS: readonly OutputSpec[] = [
  {
    name: 'keyframes-json',
    description:
      "Path (relative to the workspace) of {folder}/keyframes.json: the storyboard with every frame's path, URL, " +
      'inherited flag, timings and costs (schema KeyframesFileSchema).',
  },
  {
    name: 'frame-count',
    description: 'Number of keyframe files written (generated plus inherited).',
  },
  { name: 'generated-frames', description: 'Number of frames rendered (or taken from the cache).' },
  {
    name: 'inherited-frames',
    description: "Number of first frames copied from the previous segment's last frame.",
  },
  {
    name: 'failed-segments',
    description:
      'JSON array of the numbers of the segments that failed (see keyframes.json for why).',
  },
  {
    name: 'keyframes-completed',
    description: '"true" when every segment has both frames, "false" when some segment failed.',
  },
]
