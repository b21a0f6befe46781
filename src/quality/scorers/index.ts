import type { Scorer } from '../types.js'

/**
 * The scorers of what pixels alone cannot tell (prompt alignment, aesthetics), behind the one
 * {@link Scorer} interface of `../types.ts`:
 *
 * - {@link McpScorer}: a scoring tool reached through MCP, named by a model-registry entry of
 *   `kind: scorer`.
 * - {@link VisionScorer} (`./vision-scorer.ts`): the local vision-model scorer (LM Studio, with
 *   Ollama as fallback), selected with `quality-scorer: vision`; it fills the
 *   {@link VisionScorerSlot} contract below.
 */
export type {
  ScoredDimension,
  Scorer,
  ScorerOutcome,
  ScorerResult,
  ScoreRequest,
} from '../types.js'
export {
  AESTHETIC_KEYS,
  ALIGNMENT_KEYS,
  DEFAULT_SCORE_TIMEOUT_MS,
  McpScorer,
  parseScores,
  type McpScorerOptions,
  type ParseScoresOptions,
} from './mcp-scorer.js'
export { createVisionScorer, VisionScorer, visionScorerFromOptions } from './vision-scorer.js'

/**
 * The slot for the local vision-model scorer of the GPU backends (LM Studio, OpenAI-compatible
 * `/v1/chat/completions` with an image part). Its implementation is part of the GPU-backend
 * issue; this is only the contract it fills, so that `assessImage` takes it like any other
 * scorer.
 *
 * Contract, on top of {@link Scorer}:
 * - `score` sends the PNG and the prompt to the vision model and resolves with `alignment` and
 *   / or `aesthetic` as finite numbers in 0–1 that the model actually returned (parsed from its
 *   answer, rescaled from the scale the prompt asked for); never a default or a guess. An answer
 *   it cannot parse is a rejection (a `KamuiError` GEN_001 naming what was wrong), which
 *   `assessImage` reports as "not measured" with that reason.
 * - `source` names the server and the model, e.g. `lmstudio:qwen2.5-vl-7b at http://127.0.0.1:1234`.
 * - it honours `request.signal` (rejecting with the signal's reason) and needs no GPU in tests:
 *   it is tested against a fake OpenAI-compatible HTTP server.
 */
export interface VisionScorerSlot extends Scorer {
  /** Which backend fills the slot. */
  readonly kind: 'vision'
  /** The vision model's id on the server (e.g. the LM Studio model key). */
  readonly model: string
}

/** Options the vision scorer is expected to be built from (by the GPU-backend issue). */
export interface VisionScorerOptions {
  /** Base URL of the OpenAI-compatible server, e.g. `http://127.0.0.1:1234/v1`. */
  baseUrl: string
  /** The vision model's id. */
  model: string
  /** Limit of one scoring request in ms. */
  timeoutMs?: number
}

/** The factory signature the vision scorer is to export. */
export type VisionScorerFactory = (options: VisionScorerOptions) => VisionScorerSlot
