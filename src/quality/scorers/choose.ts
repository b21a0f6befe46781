import { errorMessage } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { CLIP_VIT_B32, modelLabel } from '../../models/cpu/catalog.js'
import { VISION_SCORER_ALIAS, type LlmOptions } from '../../providers/llm/inputs.js'
import type { LlmClient } from '../../providers/llm/types.js'
import type { ModelServices } from '../../runner/services.js'
import type { Scorer } from '../types.js'
import { CLIP_SCORER_ALIAS, ClipScorer } from './clip.js'
import { McpScorer } from './mcp-scorer.js'
import { visionScorerFromOptions } from './vision-scorer.js'

/** The `quality-scorer` value that picks the scorer from what the run has (the default). */
export const AUTO_SCORER = 'auto'
/** The `quality-scorer` value that asks for no scorer (pixel metrics only). */
export const NO_SCORER = 'none'

/** The scorers of a run and how the report names them. */
export interface ScorerChoice {
  scorers: Scorer[]
  /** The scorer recorded in the quality analysis: `vision`, a registry alias, or null. */
  alias: string | null
  /** The sentence about scoring in the report's notices. */
  note: string
}

/** What {@link chooseScorers} needs besides the alias and the model services. */
export interface ChooseScorersDeps {
  /** The local-LLM inputs (LM Studio / Ollama URLs, the vision model). */
  llm: LlmOptions
  /** An LLM client the run already opened (prompt preparation), reused by the vision scorer. */
  client?: LlmClient | undefined
  logger: Logger
  signal?: AbortSignal | undefined
}

/**
 * The scorers of the `quality-scorer` input: `vision` (the local vision model through LM
 * Studio or Ollama, {@link visionScorerFromOptions}), `clip` (CLIP ViT-B/32 on the CPU,
 * {@link ClipScorer}), a registry alias of kind `scorer` (an MCP scoring tool of the model
 * services' pool, {@link McpScorer}), `auto` (see {@link chooseAuto}), or none (`none` or
 * empty: alignment and aesthetics then not measured). The stage asks for "the scorers of alias
 * A" and never branches on what kind of scorer it is.
 *
 * @throws KamuiError IMG_002 for an alias the registry does not know as a scorer; the local
 *   LLM's connection errors (LLM_001) for `vision` when neither LM Studio nor Ollama answers;
 *   QA_001 for `clip` when its model is not cached and cannot be downloaded (the message names
 *   the model, the cache folder and how to fill it)
 */
export async function chooseScorers(
  alias: string | undefined,
  services: ModelServices,
  deps: ChooseScorersDeps,
): Promise<ScorerChoice> {
  const { logger } = deps
  if (alias === AUTO_SCORER) return chooseAuto(services, deps)
  if (alias === CLIP_SCORER_ALIAS) {
    const clip = new ClipScorer(services.cpuModels(), logger, services.cpuModel(CLIP_VIT_B32))
    await clip.prepare(deps.signal)
    return { scorers: [clip], alias: CLIP_SCORER_ALIAS, note: clipNote(clip) }
  }
  if (alias === VISION_SCORER_ALIAS) {
    const vision = await visionScorerFromOptions(deps.llm, {
      ...(deps.client ? { client: deps.client } : {}),
      logger,
      ...(deps.signal ? { signal: deps.signal } : {}),
    })
    return {
      scorers: [vision],
      alias: VISION_SCORER_ALIAS,
      note: `Prompt alignment and aesthetics are scored by the vision model ${vision.model} (quality-scorer: vision).`,
    }
  }
  if (alias && alias !== NO_SCORER) {
    const entry = services.registry.get(alias, 'scorer')
    return {
      scorers: [new McpScorer(entry, services.mcp, { logger })],
      alias: entry.alias,
      note: `Prompt alignment and aesthetics are scored by ${entry.alias}.`,
    }
  }
  return {
    scorers: [],
    alias: null,
    note: 'Prompt alignment and aesthetics are not measured (no quality-scorer configured); the overall score is the weighted mean of the pixel metrics (technical, artefacts).',
  }
}

function clipNote(clip: ClipScorer): string {
  return (
    `Prompt alignment and aesthetics are scored by CLIP (${modelLabel(clip.model)}) on the CPU: alignment is ` +
    'CLIPScore (2.5·max(cos, 0)) calibrated to 0–1, aesthetics the CLIP-IQA antonym prompts (quality-scorer: clip).'
  )
}

/**
 * `quality-scorer: auto`: the local vision model when `vision-model` is set; else the MCP
 * scoring tool when the registry has a scorer alias and `mcp-config` is given; else CLIP on the
 * CPU when its model is cached or can be downloaded; else none. The note says which, and why
 * CLIP could not be had.
 */
async function chooseAuto(services: ModelServices, deps: ChooseScorersDeps): Promise<ScorerChoice> {
  if (deps.llm.visionModel) {
    const choice = await chooseScorers(VISION_SCORER_ALIAS, services, deps)
    return { ...choice, note: `${choice.note} (quality-scorer auto: vision-model is set)` }
  }
  const mcp = services.previewMode ? undefined : services.registry.aliases('scorer')[0]
  if (mcp) {
    const choice = await chooseScorers(mcp, services, deps)
    return { ...choice, note: `${choice.note} (quality-scorer auto: the registry's scoring tool)` }
  }
  const clip = new ClipScorer(services.cpuModels(), deps.logger, services.cpuModel(CLIP_VIT_B32))
  try {
    await clip.prepare(deps.signal)
  } catch (error) {
    if (deps.signal?.aborted) throw error
    const reason = errorMessage(error)
    deps.logger.info(`quality-scorer auto: CLIP is not available (${reason}); pixel metrics only.`)
    return {
      scorers: [],
      alias: null,
      note:
        'Prompt alignment and aesthetics are not measured (quality-scorer auto: no vision model or scoring tool ' +
        `configured, and CLIP could not be had: ${reason}); the overall score is the weighted mean of the pixel metrics.`,
    }
  }
  return {
    scorers: [clip],
    alias: CLIP_SCORER_ALIAS,
    note: `${clipNote(clip)} (quality-scorer auto: no vision model or scoring tool configured)`,
  }
}

/** The CLIP scorer of a stage that offers only `clip`, `auto` (clip when it can be had) or `none`. */
export interface ClipChoice {
  scorer: ClipScorer | null
  /** The sentence about scoring for the stage's notices. */
  note: string
}

/**
 * `quality-scorer` of the keyframes stage: `clip` (CLIP on the CPU; fails fast with QA_001 when its
 * model cannot be had), `auto` (clip when its model is cached or can be downloaded, else none,
 * saying why) or `none`.
 *
 * @throws KamuiError QA_001 for `clip` when the model is not cached and cannot be downloaded
 */
export async function chooseClipScorer(
  alias: 'clip' | 'auto' | 'none',
  services: ModelServices,
  deps: { logger: Logger; signal?: AbortSignal | undefined },
): Promise<ClipChoice> {
  if (alias === NO_SCORER)
    return { scorer: null, note: 'Frames are not scored (quality-scorer: none).' }
  const clip = new ClipScorer(services.cpuModels(), deps.logger, services.cpuModel(CLIP_VIT_B32))
  try {
    await clip.prepare(deps.signal)
  } catch (error) {
    if (alias === CLIP_SCORER_ALIAS || deps.signal?.aborted) throw error
    return {
      scorer: null,
      note: `Frames are not scored (quality-scorer auto: CLIP could not be had: ${errorMessage(error)}).`,
    }
  }
  return {
    scorer: clip,
    note: clipNote(clip).replace('Prompt alignment and aesthetics are', 'Frames are'),
  }
}
