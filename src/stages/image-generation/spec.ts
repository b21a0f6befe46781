import type { InputSpec, OutputSpec } from '../../core/input-spec.js'
import { LLM_INPUTS } from '../../providers/llm/inputs.js'
import { NETWORK_INPUTS } from '../../contracts/network-inputs.js'
import { PROVENANCE_INPUT } from '../../contracts/provenance.js'
import { PUBLISH_INPUTS } from '../../contracts/publish-inputs.js'
import { RESUME_INPUT } from '../../contracts/resume-input.js'
import { BUDGET_INPUTS } from '../../contracts/budget-inputs.js'
import { CACHE_INPUTS } from '../../contracts/cache-inputs.js'
import { SHARD_INPUTS } from '../../contracts/shard-manifest.js'
import { MODEL_CACHE_DIR_INPUT } from '../../models/cpu/options.js'

/** The five inputs of the legacy `image-generation` module (SPEC §4), names unchanged. */
export const V1_INPUTS: readonly InputSpec[] = [
  { name: 'image-prompt', required: true, description: 'The image generation prompt.' },
  {
    name: 'folder-name',
    required: true,
    description:
      'Folder for the results, relative to the workspace (it may not leave the workspace). ' +
      'Images go to {folder}/images/.',
  },
  {
    name: 'branch-name',
    default: '',
    description:
      'Branch the results folder is committed to and pushed (as the legacy module did; the job ' +
      'needs `permissions: contents: write`). Concurrent jobs pushing to the same branch are ' +
      'rebased and retried. Leave empty to commit nothing.',
  },
  {
    name: 'oauth-token',
    default: '',
    secret: true,
    description:
      'Claude Code OAuth token of the legacy module. Accepted for compatibility, masked and ' +
      'ignored: models are called directly over MCP.',
  },
  {
    name: 'mcp-config',
    default: '',
    secret: true,
    description:
      'The Claude Code `mcpServers` JSON (usually the MCP_CONFIG secret): stdio entries ' +
      '(command, args, env) and remote entries (type http/sse, url, headers; or httpUrl). ' +
      'Header and env values are masked. When empty, the offline preview server is used and ' +
      'every image is labelled as preview output.',
  },
]

/** The ComfyUI servers of `provider: comfyui` models (v2). */
const COMFYUI_INPUT: readonly InputSpec[] = [
  {
    name: 'comfyui-url',
    default: 'http://127.0.0.1:8188',
    description:
      'ComfyUI server URL(s) for sdxl-local and other ComfyUI models, comma-separated: each job goes to the ' +
      'least-loaded healthy server, after a GPU memory check.',
  },
]

/** The model registry override input (v2). */
const REGISTRY_INPUT: readonly InputSpec[] = [
  {
    name: 'model-registry',
    default: '',
    description:
      'Path (in the workspace) of a JSON or YAML file that adds or overrides model aliases: ' +
      '{ models: { <alias>: { provider, call, arguments, rateLimit } } }.',
  },
]

/** The added inputs of `image-generation-v2` (SPEC §5). */
const V2_EXTRA: readonly InputSpec[] = [
  {
    name: 'image-count',
    default: '1',
    description: 'Number of images, 1–10. N = max(image-count, number of models).',
  },
  {
    name: 'models',
    default: 'auto',
    description:
      'Comma-separated model aliases (imagen4-ultra, imagen4-fast, imagen3, flux-schnell, ' +
      'photo-flux over MCP; sdxl-local on the ComfyUI servers of comfyui-url; preview; or your ' +
      'registry entries), or "auto" to pick one of the MCP models from the prompt. ' +
      'Image i uses models[(i-1) mod M].',
  },
  {
    name: 'generation-strategy',
    default: 'smart',
    description:
      'parallel (all images at once under the limits), sequential (one at a time; after a score below ' +
      'quality-threshold the next attempt goes to the next-best model) or smart (parallel, then images below ' +
      'quality-threshold are regenerated once with another model).',
  },
  {
    name: 'enable-comparison',
    default: 'false',
    description:
      'Write metadata/model-comparison.md: every image with its model, status, size and timings, and per-model figures (true/false).',
  },
  {
    name: 'quality-threshold',
    default: '0.7',
    description:
      'Minimum overall quality score, 0.0–1.0. smart and sequential regenerate images below it once with another model; ' +
      'when no image reaches it, the best one is still delivered with an IMG_004 warning.',
  },
  {
    name: 'quality-scorer',
    default: 'auto',
    description:
      'What scores prompt alignment and aesthetics: "clip" (CLIP ViT-B/32 on the runner CPU: CLIPScore calibrated to ' +
      '0–1 and the CLIP-IQA antonym prompts; weights from the Hugging Face Hub on first use, see model-cache-dir), ' +
      '"vision" (the local vision model on LM Studio / Ollama, see llm-url, vision-model), a registry alias of a ' +
      'scoring MCP tool (kind: scorer), "auto" (vision when vision-model is set, else the registry\'s scoring tool ' +
      'with mcp-config, else clip when its model is cached or can be downloaded, else none; the report says which) ' +
      'or "none" (those dimensions are reported as not measured and the score comes from the pixel metrics alone).',
  },
  { name: 'max-parallel', default: '3', description: 'Maximum images generated at once, 1–10.' },
  {
    name: 'per-image-timeout',
    default: '300',
    description: 'Deadline of one image in seconds, retries included.',
  },
  { name: 'total-timeout', default: '1800', description: 'Deadline of the whole step in seconds.' },
  {
    name: 'image-size',
    default: '1024x1024',
    description:
      'Requested size WIDTHxHEIGHT in pixels (64–4096). Models that take an aspect ratio get the ' +
      'nearest of 1:1, 16:9, 9:16, 4:3, 3:4.',
  },
  {
    name: 'seed',
    default: '',
    description:
      'Base seed (integer). Image i uses seed + i - 1. Empty: a random base seed, recorded in the report ' +
      'and in the run journal (a resumed run of the same request reuses it).',
  },
  RESUME_INPUT,
  ...CACHE_INPUTS,
  ...SHARD_INPUTS,
]

/** Inputs of `actions/image-generation`: exactly the legacy five (it always uses imagen4-fast, as the legacy module did). */
export const IMAGE_GENERATION_INPUTS: readonly InputSpec[] = V1_INPUTS

/** Inputs of `actions/image-generation-v2`. */
export const IMAGE_GENERATION_V2_INPUTS: readonly InputSpec[] = [
  ...V1_INPUTS,
  ...V2_EXTRA,
  ...LLM_INPUTS,
  ...COMFYUI_INPUT,
  ...REGISTRY_INPUT,
  MODEL_CACHE_DIR_INPUT,
  PROVENANCE_INPUT,
  ...BUDGET_INPUTS,
  ...NETWORK_INPUTS,
  ...PUBLISH_INPUTS,
]

/** Outputs of `actions/image-generation` (legacy names). */
export const IMAGE_GENERATION_OUTPUTS: readonly OutputSpec[] = [
  { name: 'image-completed', description: '"true" when the image was generated.' },
  {
    name: 'google-image-url',
    description:
      'The URL the model returned for the image (legacy name; fal CDN or Google storage for ' +
      'hosted models, a preview:// identifier for preview output, empty when the model sent bytes only).',
  },
  {
    name: 'used-model',
    description: 'Alias of the model that made the image (preview:<alias> for preview output).',
  },
]

/** Outputs of `actions/image-generation-v2` (SPEC §5). */
export const IMAGE_GENERATION_V2_OUTPUTS: readonly OutputSpec[] = [
  ...IMAGE_GENERATION_OUTPUTS.map((o) =>
    o.name === 'google-image-url' ? { ...o, description: `Primary image: ${o.description}` } : o,
  ),
  { name: 'images-completed', description: 'Number of images generated.' },
  {
    name: 'image-urls',
    description: 'JSON array of the URLs of the generated images, in image order.',
  },
  {
    name: 'models-used',
    description: 'JSON array of the model of each generated image, in image order.',
  },
  { name: 'generation-report', description: 'Path of metadata/generation-report.json.' },
  {
    name: 'quality-scores',
    description: 'JSON array of the overall quality score (0–1) of each generated image.',
  },
  {
    name: 'primary-image-index',
    description:
      '0-based index in image-urls of the primary image: the one with the highest quality score.',
  },
  {
    name: 'warnings',
    description:
      'JSON array of warnings ({code, message}): failed images, and IMG_004 when no image met quality-threshold.',
  },
]
