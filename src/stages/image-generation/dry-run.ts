import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { Plan } from '../../contracts/plan.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import { planStageJobs, writePlan, type DryRunResult } from '../../runner/dry-run.js'
import { resolveCacheFolder } from '../../runner/job-cache.js'
import { ModelServices } from '../../runner/services.js'
import type { ImageGenerationInputs } from './inputs.js'
import { planImages, type PlannedImage } from './plan.js'
import { resolveModels } from './resolve-models.js'
import { imageRequestOf } from './shard.js'

/** What the image stage's dry run returns. */
export type ImageDryRunResult = DryRunResult

/**
 * The image stage's dry run (issue 11, input `dry-run`): resolves the models, plans the first
 * candidate of every image exactly as the real run would submit it (same model jobs, same job
 * keys when the seed is known); the shared part (`src/runner/dry-run.ts`) looks each up in the
 * folder's run journal and the job cache, prices it, writes `metadata/plan.json` and logs the
 * plan table. No model is called (not the
 * local LLM either: prompt translation and enhancement are not run, see the plan's notes) and
 * no journal line is written.
 *
 * @throws KamuiError IMG_002 unknown model, CFG_002 malformed mcp-config, CFG_003 bad registry
 *   file, FS_001 folder outside the workspace
 */
export async function runImageDryRun(
  inputs: ImageGenerationInputs,
  context: StageContext,
): Promise<ImageDryRunResult> {
  const folder = resolveInWorkspace(context.workspace, inputs.folderName, 'folder-name')
  const services = await ModelServices.open(inputs, context, {
    journal: { folder, resume: inputs.resume },
    budget: { maxCostUsd: inputs.budget.maxCostUsd },
  })
  let plan: Plan
  try {
    const { models } = resolveModels(inputs.models, inputs.prompt, (alias) =>
      services.resolveModel(alias, 'image'),
    )
    const journalSeed = services.journal?.seedOf(imageRequestOf(inputs))
    const seed = inputs.seed ?? journalSeed ?? 0
    const notes = dryRunNotes(inputs, inputs.seed ?? journalSeed)
    const planned = planImages(
      inputs.imageCount,
      models.map((m) => m.requested),
      seed,
    )
    plan = await planImageJobs(inputs, models, planned, services, context, notes)
  } finally {
    await services.close()
  }
  return { folder, plan, planPath: await writePlan(folder, plan, context) }
}

/**
 * The plan of the first candidates of `planned` (what a run submits before any regeneration):
 * the model job of each image as the image provider builds it, looked up and priced by
 * `planStageJobs`. The real run calls it too, for the estimate in its report.
 */
export async function planImageJobs(
  inputs: ImageGenerationInputs,
  models: readonly ResolvedModel[],
  planned: readonly PlannedImage[],
  services: ModelServices,
  context: StageContext,
  notes: string[] = [],
): Promise<Plan> {
  const jobs = planned.map((p) => {
    const model = models.find((m) => m.requested === p.model) as ResolvedModel
    const job = services.imageJob(model)({
      prompt: inputs.prompt,
      seed: p.seed,
      width: inputs.width,
      height: inputs.height,
    })
    return { job, kind: 'image' as const }
  })
  const cache = {
    folder: resolveCacheFolder(inputs.cache.cacheFolder, context.workspace, context.env),
    ttlMs: inputs.cache.cacheTtlMs,
  }
  const stage = inputs.legacyV1 ? 'image-generation' : 'image-generation-v2'
  return planStageJobs(stage, jobs, services, cache, { notes })
}

function dryRunNotes(inputs: ImageGenerationInputs, seed: number | undefined): string[] {
  const notes: string[] = []
  if (seed === undefined)
    notes.push(
      'No seed and no earlier run of this request in the journal: the real run picks a random ' +
        'base seed, so its job keys differ from the planned ones (the cost does not).',
    )
  if (inputs.llm.translate !== 'off' || inputs.llm.enhance)
    notes.push(
      'translate-prompt / enhance-prompt were not run (the dry run calls no model): the planned ' +
        'jobs carry the prompt as given, the real run sends the prepared prompt.',
    )
  if (inputs.strategy !== 'parallel')
    notes.push(
      `Strategy ${inputs.strategy}: images below quality-threshold may be regenerated with another ` +
        'model; those jobs depend on the scores and are not planned (at most half the image count).',
    )
  notes.push(
    'A model that is not available (IMG_002) falls back to another one at run time; fallbacks are not planned.',
  )
  return notes
}
