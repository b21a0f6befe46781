import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { parseBooleanInput, parseEnumInput, parseNumberInput } from '../../core/parse-input.js'
import { parseLlmInputs, type LlmOptions } from '../../providers/llm/inputs.js'
import { parseResumeInput, type ResumeInput } from '../../contracts/resume-input.js'
import { parseBudgetInputs, type BudgetInputs } from '../../contracts/budget-inputs.js'
import { parseProvenanceInput } from '../../contracts/provenance.js'
import { parseCacheInputs, type CacheInputs } from '../../contracts/cache-inputs.js'
import { parseShardInputs, type ShardInputs } from '../../contracts/shard-manifest.js'
import { IMAGE_GENERATION_INPUTS, IMAGE_GENERATION_V2_INPUTS } from './spec.js'

/** How the images of a run are scheduled (SPEC §5). */
export type GenerationStrategy = 'sequential' | 'parallel' | 'smart'

/** Typed inputs of the image-generation stage (v1 and v2). */
export interface ImageGenerationInputs {
  prompt: string
  /** As given; resolved inside the workspace by the stage. */
  folderName: string
  branchName: string
  /** Raw `mcpServers` JSON, or undefined for the offline preview server. */
  mcpConfig: string | undefined
  imageCount: number
  /** Model aliases, or `auto`. */
  models: string[] | 'auto'
  strategy: GenerationStrategy
  enableComparison: boolean
  /** 0–1. */
  qualityThreshold: number
  /** Registry alias of a scorer, or undefined. */
  qualityScorer: string | undefined
  /** 1–10. */
  maxParallel: number
  /** Deadline of one image (all its attempts), ms. */
  perImageTimeoutMs: number
  /** Deadline of the whole stage, ms. */
  totalTimeoutMs: number
  /** Requested size in pixels. */
  width: number
  height: number
  /** Base seed, or undefined for a random one. */
  seed: number | undefined
  /** ComfyUI server URLs (comma list) for `provider: comfyui` models such as sdxl-local. */
  comfyuiUrl: string
  /** Registry override file as given (workspace-relative), or undefined. */
  modelRegistry: string | undefined
  /** `model-cache-dir` (the CLIP scorer's model cache), or undefined for the default folder. */
  modelCacheDir?: string | undefined
  /** Local-LLM options: translate-prompt, enhance-prompt, quality-scorer: vision (src/providers/llm). */
  llm: LlmOptions
  /** Legacy v1 behaviour: one image, only the legacy files. */
  legacyV1: boolean
  /** How the folder's run journal is used (v1 keeps no journal: `false`). */
  resume: ResumeInput
  /** `max-cost-usd` and `dry-run` (issue 11); v1 has neither (no cap, no dry run). */
  budget: BudgetInputs
  /** `embed-provenance`: embed provenance in the images (absent: true; v1 always true). */
  embedProvenance?: boolean
  /** The job cache (`cache-folder`, `cache-ttl-hours`); v1 keeps none (TTL 0). */
  cache: CacheInputs
  /** `shard` (k/N) and `shard-manifest` (issue 13); v1 is never sharded. */
  shard?: ShardInputs | undefined
}

/**
 * Parses the v2 action's raw string inputs (defaults applied).
 *
 * @throws KamuiError IMG_009 for an empty prompt, IMG_001 for an image count that is not a whole
 *   number from 1 to 10, CFG_001 for any other malformed value (the message names the input,
 *   the value and what is accepted)
 */
export function parseV2Inputs(raw: RawInputs): ImageGenerationInputs {
  const r = withDefaults(IMAGE_GENERATION_V2_INPUTS, raw)
  return {
    ...commonInputs(r),
    imageCount: parseImageCount(r['image-count'] ?? ''),
    models: parseModels(r['models'] ?? ''),
    strategy: parseEnumInput(r, 'generation-strategy', [
      'sequential',
      'parallel',
      'smart',
    ] as const),
    enableComparison: parseBooleanInput(r, 'enable-comparison'),
    qualityThreshold: parseNumberInput(r, 'quality-threshold', 0, 1, false),
    qualityScorer: (r['quality-scorer'] ?? '').trim() || undefined,
    maxParallel: parseNumberInput(r, 'max-parallel', 1, 10, true),
    perImageTimeoutMs: parseNumberInput(r, 'per-image-timeout', 1, 86_400, false) * 1000,
    totalTimeoutMs: parseNumberInput(r, 'total-timeout', 1, 86_400, false) * 1000,
    ...parseSize(r['image-size'] ?? ''),
    seed: r['seed'] === '' ? undefined : parseNumberInput(r, 'seed', 0, 2 ** 31 - 1, true),
    modelRegistry: r['model-registry'] === '' ? undefined : r['model-registry'],
    modelCacheDir: r['model-cache-dir'] || undefined,
    comfyuiUrl: r['comfyui-url'] ?? '',
    llm: parseLlmInputs(r),
    legacyV1: false,
    resume: parseResumeInput(r),
    budget: parseBudgetInputs(r),
    embedProvenance: parseProvenanceInput(r),
    cache: parseCacheInputs(r),
    shard: parseShardInputs(r),
  }
}

/**
 * Parses the legacy v1 inputs: one image with imagen4-fast (the legacy module's only model),
 * one model call (no quality-based regeneration), default deadlines and size.
 *
 * @throws KamuiError IMG_009 for an empty prompt
 */
export function parseV1Inputs(raw: RawInputs): ImageGenerationInputs {
  const r = withDefaults(IMAGE_GENERATION_INPUTS, raw)
  const v2 = parseV2Inputs({
    ...r,
    'image-count': '1',
    models: 'imagen4-fast',
    'generation-strategy': 'parallel',
  })
  return {
    ...v2,
    ...commonInputs(r),
    legacyV1: true,
    resume: 'false',
    budget: NO_BUDGET,
    shard: undefined,
    cache: NO_CACHE,
  }
}

/** v1 keeps its five legacy inputs: no max-cost-usd, no dry-run. */
const NO_BUDGET: BudgetInputs = { maxCostUsd: undefined, dryRun: false }

/** v1 writes exactly the legacy files and keeps no job cache. */
const NO_CACHE = { cacheFolder: '', cacheTtlMs: 0 }

function commonInputs(
  r: RawInputs,
): Pick<ImageGenerationInputs, 'prompt' | 'folderName' | 'branchName' | 'mcpConfig'> {
  const prompt = (r['image-prompt'] ?? '').trim()
  if (prompt === '') {
    throw new KamuiError('IMG_009', 'image-prompt is empty: describe the image to generate.')
  }
  if (prompt.length > 10_000) {
    throw new KamuiError(
      'IMG_009',
      `image-prompt is ${prompt.length} characters long; at most 10000 are accepted.`,
    )
  }
  const folderName = (r['folder-name'] ?? '').trim()
  if (folderName === '')
    throw new KamuiError('CFG_001', 'folder-name is empty: name the folder for the results.')
  const mcpConfig = (r['mcp-config'] ?? '').trim()
  return {
    prompt,
    folderName,
    branchName: (r['branch-name'] ?? '').trim(),
    mcpConfig: mcpConfig || undefined,
  }
}

/** @throws KamuiError IMG_001 unless `value` is a whole number from 1 to 10 */
export function parseImageCount(value: string): number {
  const text = value.trim()
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(n) || n < 1 || n > 10) {
    throw new KamuiError(
      'IMG_001',
      `image-count must be a whole number from 1 to 10, got "${value}".`,
    )
  }
  return n
}

/** Most images of one run (SPEC §5), whatever the `image-count` and `models` inputs say. */
export const MAX_IMAGES = 10

/**
 * The `models` input: `auto` (or empty), or a comma list of aliases.
 *
 * The run makes `N = max(image-count, M)` images, so a list of more than {@link MAX_IMAGES}
 * models would bypass the 1–10 limit: it is refused with IMG_001.
 *
 * @throws KamuiError CFG_001 for a list without any name (`",,"`) or `auto` mixed with models;
 *   IMG_001 for more than {@link MAX_IMAGES} models
 */
export function parseModels(value: string): string[] | 'auto' {
  const parts = value.split(',').map((m) => m.trim())
  const list = parts.filter((m) => m !== '')
  if (value.trim() !== '' && list.length === 0) {
    throw new KamuiError(
      'CFG_001',
      `models must be auto or a comma-separated list of model names, got "${value}" (no name in it).`,
    )
  }
  if (list.length > MAX_IMAGES) {
    throw new KamuiError(
      'IMG_001',
      `models lists ${list.length} models; one run makes one image per model and at most ` +
        `${MAX_IMAGES} images, so list at most ${MAX_IMAGES} models.`,
    )
  }
  if (list.length === 0 || (list.length === 1 && list[0]?.toLowerCase() === 'auto')) return 'auto'
  if (list.some((m) => m.toLowerCase() === 'auto')) {
    throw new KamuiError('CFG_001', 'models: "auto" cannot be combined with other models.')
  }
  return list
}

function parseSize(value: string): { width: number; height: number } {
  const match = /^\s*(\d{2,4})\s*[x×]\s*(\d{2,4})\s*$/i.exec(value)
  const width = Number(match?.[1])
  const height = Number(match?.[2])
  if (!match || width < 64 || height < 64 || width > 4096 || height > 4096) {
    throw new KamuiError(
      'CFG_001',
      `image-size must be WIDTHxHEIGHT with sides from 64 to 4096 pixels, got "${value}".`,
    )
  }
  return { width, height }
}
