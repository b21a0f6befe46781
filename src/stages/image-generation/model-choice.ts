import { FALLBACK_ORDER } from '../../models/builtin.js'
import type { ModelRegistry } from '../../models/registry.js'
import { hostedFallbacks } from '../../providers/resolve-model.js'
import type { ResolvedModel } from '../../providers/image/provider.js'

/** What model choice needs from the run. */
export interface ModelChoiceContext {
  models: readonly ResolvedModel[]
  registry: ModelRegistry
  previewMode: boolean
}

/**
 * The models a run may switch to, in preference order: the run's own models, then the
 * built-in fallback order (image models of the MCP provider). In preview mode every
 * alternative is a preview stand-in (`preview:<alias>`), since no real model is configured.
 */
export function candidateModels(context: ModelChoiceContext): ResolvedModel[] {
  const out: ResolvedModel[] = []
  const seen = new Set<string>()
  const add = (model: ResolvedModel): void => {
    if (seen.has(model.label)) return
    seen.add(model.label)
    out.push(model)
  }
  for (const model of context.models) add(model)
  for (const model of hostedFallbacks(context.registry, FALLBACK_ORDER, context.previewMode))
    add(model)
  return out
}

/**
 * The next model to try after IMG_002 (model not available): the first candidate whose alias
 * was not tried yet.
 */
export function fallbackModel(
  context: ModelChoiceContext,
  triedAliases: readonly string[],
): ResolvedModel | undefined {
  return candidateModels(context).find((m) => !m.preview && !triedAliases.includes(m.entry.alias))
}

/**
 * The next-best model for a regeneration after `current` scored below the threshold:
 * among the other candidates, models that already scored at or above the threshold in this run
 * come first (highest mean score first), then models not tried yet (in preference order);
 * models whose images all fell below the threshold come last.
 *
 * @param meanScores mean overall score of each model label in this run so far
 */
export function nextBestModel(
  context: ModelChoiceContext,
  current: ResolvedModel,
  meanScores: ReadonlyMap<string, number>,
  threshold: number,
): ResolvedModel | undefined {
  const others = candidateModels(context).filter((m) => m.label !== current.label)
  const rank = (m: ResolvedModel): number => {
    const mean = meanScores.get(m.label)
    if (mean === undefined) return 1
    return mean >= threshold ? 0 : 2
  }
  return others
    .map((model, order) => ({ model, order }))
    .sort(
      (a, b) =>
        rank(a.model) - rank(b.model) ||
        (meanScores.get(b.model.label) ?? 0) - (meanScores.get(a.model.label) ?? 0) ||
        a.order - b.order,
    )[0]?.model
}
