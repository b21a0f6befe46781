import type { Logger } from '../../core/logger.js'
import { VISION_SCORER_ALIAS, type LlmOptions } from '../../providers/llm/inputs.js'
import type { LlmClient } from '../../providers/llm/types.js'
import type { ModelServices } from '../../runner/services.js'
import type { Scorer } from '../types.js'
import { McpScorer } from './mcp-scorer.js'
import { visionScorerFromOptions } from './vision-scorer.js'

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
 * Studio or Ollama, {@link visionScorerFromOptions}), a registry alias of kind `scorer` (an
 * MCP scoring tool of the model services' pool, {@link McpScorer}), or none (alignment and
 * aesthetics then not measured). The stage asks for "the scorers of alias A" and never
 * branches on what kind of scorer it is.
 *
 * @throws KamuiError IMG_002 for an alias the registry does not know as a scorer; the local
 *   LLM's connection errors (LLM_001) for `vision` when neither LM Studio nor Ollama answers
 */
export async function chooseScorers(
  alias: string | undefined,
  services: ModelServices,
  deps: ChooseScorersDeps,
): Promise<ScorerChoice> {
  const { logger } = deps
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
  if (alias) {
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
