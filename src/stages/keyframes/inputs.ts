import { parseResumeInput, type ResumeInput } from '../../contracts/resume-input.js'
import { parseMaxCost } from '../../contracts/budget-inputs.js'
import { parseProvenanceInput } from '../../contracts/provenance.js'
import { KamuiError } from '../../core/errors.js'
import { withDefaults, type RawInputs } from '../../core/input-spec.js'
import { parseLlmInputs, type LlmOptions } from '../../providers/llm/inputs.js'
import {
  isKeyframeAspectRatio,
  KEYFRAME_ASPECT_RATIOS,
  type KeyframeAspectRatio,
} from './aspect.js'
import { parseProductImageList } from './product-images.js'
import { MAX_SEGMENTS, MIN_SEGMENTS } from './storyboard.js'
import type { ReadyKeyframeSegment } from '../../contracts/keyframes-handoff.js'
import { KEYFRAMES_INPUTS } from './spec.js'
import { parseBooleanInput, parseEnumInput } from '../../core/parse-input.js'
import type { CpuModel } from '../../models/cpu/catalog.js'

/** How the steps of a run are scheduled. */
export type KeyframeSchedule = 'graph' | 'sequential'

/** Typed inputs of the keyframes stage. */
export interface KeyframesInputs {
  /** The concept, or undefined when a storyboard file is given without one. */
  concept: string | undefined
  /** 1-based. */
  storyIndex: number
  /** Workspace path of a storyboard file as given, or undefined. */
  storyboardFile: string | undefined
  /** 1–10 product image sources (paths or http(s) URLs) as given. */
  productImages: string[]
  aspectRatio: KeyframeAspectRatio
  /** Segments of a generated storyboard, 2–12. */
  segmentCount: number
  /** `auto`, `llm`, `preview` or a registry alias. */
  storyModel: string
  /** `auto`, `llm`, `preview` or a registry alias. */
  enhancerModel: string
  /** `auto`, `preview` or a registry alias. */
  keyframeModel: string
  modelRegistry: string | undefined
  /** Raw `mcpServers` JSON, or undefined for the offline preview server. */
  mcpConfig: string | undefined
  /** 1–10. */
  maxParallel: number
  /** `quality-scorer`: CLIP scores of the generated frames (absent: none). */
  qualityScorer?: 'clip' | 'auto' | 'none'
  schedule: KeyframeSchedule
  seed: number
  /** Workspace path of the cache folder as given. */
  cacheFolder: string
  /** Cache time to live, ms; 0 turns the cache off. */
  cacheTtlMs: number
  /** Segment numbers to regenerate (sorted, unique); empty for a normal run. */
  retrySegments: number[]
  /** How the folder's run journal is used (input `resume`, issue 11). */
  resume: ResumeInput
  /** `max-cost-usd` (issue 11): the run's budget in US dollars; undefined: no cap. */
  maxCostUsd?: number | undefined
  /** `dry-run` (issue 11): plan the jobs and estimate their cost, call no model; absent: false. */
  dryRun?: boolean
  /** `embed-provenance`: embed provenance in the files written (absent: true). */
  embedProvenance?: boolean
  /** Deadline of one step, ms. */
  frameTimeoutMs: number
  /** Deadline of the stage, ms. */
  totalTimeoutMs: number
  folderName: string
  branchName: string
  /** `comfyui-url` as given (comma list), or undefined for the default server. */
  comfyuiUrl: string | undefined
  /** `model-cache-dir` (the story figures' sentence-embedding model), or undefined: the default. */
  modelCacheDir?: string | undefined
  /** CPU model entries replacing the built-in ones of the same key (tests; see ModelServices). */
  cpuModelCatalog?: readonly CpuModel[] | undefined
  /**
   * The local-LLM inputs, parsed only when a model input is `llm` (stories are written, or
   * compositions); undefined otherwise, so they are not checked when unused.
   */
  llm: LlmOptions | undefined
  /**
   * Told of each segment as soon as both its frames exist, while the others are still being made
   * (set by the pipeline, never parsed from an input; see `announceReadySegments`).
   */
  onSegmentReady?: (segment: ReadyKeyframeSegment) => void
}

/**
 * Parses the raw string inputs of the keyframes stage (defaults applied).
 *
 * @throws KamuiError KF_001 for a product-image list that is empty or longer than 10,
 *   KF_002 when neither concept nor storyboard-file is given, CFG_001 for any other malformed
 *   value (the message names the input, the value and what is accepted; the LLM inputs are
 *   checked only when `story-model` or `enhancer-model` is `llm`)
 */
export function parseKeyframesInputs(raw: RawInputs): KeyframesInputs {
  const r = withDefaults(KEYFRAMES_INPUTS, raw)
  const text = (name: string): string => (r[name] ?? '').trim()
  const concept = text('concept') || undefined
  const storyboardFile = text('storyboard-file') || undefined
  if (!concept && !storyboardFile) {
    throw new KamuiError(
      'KF_002',
      'no storyboard: give a concept (stories and a storyboard are written for it) or a storyboard-file.',
    )
  }
  if (concept && concept.length > 4000) {
    throw new KamuiError('CFG_001', `concept is ${concept.length} characters long; at most 4000.`)
  }
  const folderName = text('folder-name')
  if (folderName === '')
    throw new KamuiError('CFG_001', 'folder-name is empty: name the folder for the results.')
  const aspect = text('aspect-ratio')
  if (!isKeyframeAspectRatio(aspect)) {
    throw new KamuiError(
      'CFG_001',
      `aspect-ratio must be one of ${KEYFRAME_ASPECT_RATIOS.join(', ')}, got "${r['aspect-ratio']}".`,
    )
  }
  const schedule = text('schedule').toLowerCase()
  if (schedule !== 'graph' && schedule !== 'sequential') {
    throw new KamuiError('CFG_001', `schedule must be graph or sequential, got "${r['schedule']}".`)
  }
  const storyModel = model(r, 'story-model')
  const enhancerModel = model(r, 'enhancer-model')
  const wantsLlm = enhancerModel === 'llm' || (storyModel === 'llm' && !storyboardFile)
  return {
    concept,
    storyIndex: int(r, 'story-index', 1, 5),
    storyboardFile,
    productImages: parseProductImageList(r['product-images'] ?? ''),
    aspectRatio: aspect,
    segmentCount: int(r, 'segment-count', MIN_SEGMENTS, MAX_SEGMENTS),
    storyModel,
    enhancerModel,
    keyframeModel: model(r, 'keyframe-model'),
    modelRegistry: text('model-registry') || undefined,
    mcpConfig: text('mcp-config') || undefined,
    maxParallel: int(r, 'max-parallel', 1, 10),
    qualityScorer: parseEnumInput(r, 'quality-scorer', ['clip', 'auto', 'none'] as const),
    schedule,
    seed: int(r, 'seed', 0, 2 ** 31 - 1),
    cacheFolder: text('cache-folder') || '.kamui-cache/keyframes',
    cacheTtlMs: number(r, 'cache-ttl-hours', 0, 24 * 365) * 3_600_000,
    retrySegments: parseRetrySegments(r['retry-segments'] ?? ''),
    resume: parseResumeInput(r),
    maxCostUsd: parseMaxCost(r),
    dryRun: parseBooleanInput(r, 'dry-run'),
    embedProvenance: parseProvenanceInput(r),
    frameTimeoutMs: number(r, 'frame-timeout', 1, 86_400) * 1000,
    totalTimeoutMs: number(r, 'total-timeout', 1, 86_400) * 1000,
    folderName,
    branchName: text('branch-name'),
    comfyuiUrl: text('comfyui-url') || undefined,
    modelCacheDir: text('model-cache-dir') || undefined,
    llm: wantsLlm ? parseLlmInputs(raw) : undefined,
  }
}

/**
 * Parses `retry-segments`: segment numbers separated by commas or spaces.
 *
 * @returns sorted unique numbers (empty for an empty input)
 * @throws KamuiError CFG_001 for anything that is not a whole number from 1 to 12
 */
export function parseRetrySegments(value: string): number[] {
  const parts = value
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  const numbers = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN))
  const bad = parts.filter((_, i) => {
    const n = numbers[i] ?? NaN
    return !Number.isInteger(n) || n < 1 || n > MAX_SEGMENTS
  })
  if (bad.length > 0) {
    throw new KamuiError(
      'CFG_001',
      `retry-segments must list segment numbers from 1 to ${MAX_SEGMENTS}, got "${bad.join('", "')}".`,
    )
  }
  return [...new Set(numbers)].sort((a, b) => a - b)
}

function model(r: RawInputs, name: string): string {
  const value = (r[name] ?? '').trim()
  if (value === '') return 'auto'
  if (!/^[a-z0-9][a-z0-9._:-]*$/i.test(value)) {
    throw new KamuiError(
      'CFG_001',
      `${name} must be a model alias, "auto", "llm" or "preview", got "${value}".`,
    )
  }
  return value.toLowerCase() === 'auto' ? 'auto' : value
}

function int(r: RawInputs, name: string, min: number, max: number): number {
  const text = (r[name] ?? '').trim()
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new KamuiError(
      'CFG_001',
      `${name} must be a whole number from ${min} to ${max}, got "${r[name]}".`,
    )
  }
  return n
}

function number(r: RawInputs, name: string, min: number, max: number): number {
  const text = (r[name] ?? '').trim()
  const n = text === '' ? NaN : Number(text)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new KamuiError(
      'CFG_001',
      `${name} must be a number from ${min} to ${max}, got "${r[name]}".`,
    )
  }
  return n
}
