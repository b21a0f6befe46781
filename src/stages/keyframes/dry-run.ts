import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { UnkeyedJob } from '../../contracts/plan.js'
import { entryPrice, jobCost } from '../../models/price.js'
import type { Price } from '../../contracts/cost.js'
import { planStageJobs, writePlan, type DryRunResult } from '../../runner/dry-run.js'
import type { JobToPlan } from '../../runner/job-plan.js'
import { JobRecorder } from '../../runner/job-recorder.js'
import type { ModelServices } from '../../runner/services.js'
import { KEYFRAME_SIZES } from './aspect.js'
import type { KeyframesInputs } from './inputs.js'
import { loadProductImages } from './product-images.js'
import { resolveProviders, type KeyframesProviders, type ResolvedProviders } from './providers.js'
import { previousRun } from './retry.js'
import { durableOptions, openKeyframeServices, storyboardFromFile } from './run.js'
import { STORY_OPTIONS } from './stories.js'

/**
 * The keyframes stage's dry run (issue 11, input `dry-run`). It checks what the real run checks
 * before its first model call (inputs, storyboard file, product images, models) and plans what
 * can be planned without one:
 *
 * - the stories job (an MCP story model), built on a `JobRecorder` with the real run's
 *   arguments, so it is looked up in the run journal and the job cache and priced;
 * - every later job as an unkeyed job (`plan.json` `unkeyed`): the storyboard is written from
 *   the chosen story, the renders from the compositions the enhancer writes, so their keys
 *   exist only once those answers do. They are counted when the inputs fix the count (the
 *   segment count, or the storyboard file's segments: one first frame, then one last frame per
 *   segment, each composed and rendered) and priced as new jobs. Compositions made from a
 *   storyboard file could be keyed in principle; this version does not key them either.
 *
 * The local LLM and the preview story templates run no model job (no charge) and are named in
 * the notes. No model is called; nothing but `metadata/plan.json` is written.
 *
 * @throws KamuiError the stage's checks before its first model call (KF_001, KF_002, CFG_*,
 *   IMG_002, LLM_001 when the local LLM is asked for and does not answer)
 */
export async function runKeyframesDryRun(
  inputs: KeyframesInputs,
  context: StageContext,
  providers: KeyframesProviders = {},
): Promise<DryRunResult> {
  const { workspace, logger } = context
  const folder = resolveInWorkspace(workspace, inputs.folderName, 'folder-name')
  const cacheFolder = resolveInWorkspace(workspace, inputs.cacheFolder, 'cache-folder')
  const { journal, cache } = durableOptions(inputs, folder, cacheFolder)
  const services = await openKeyframeServices(inputs, context, {
    ...(journal ? { journal } : {}),
    budget: { maxCostUsd: inputs.maxCostUsd },
  })
  try {
    const previous =
      inputs.retrySegments.length > 0 ? await previousRun(folder, inputs.retrySegments) : undefined
    const storyboard = await storyboardFromFile(inputs, workspace, previous)
    const recorder = new JobRecorder()
    const resolved = await resolveProviders(
      inputs,
      !previous && !storyboard,
      services,
      providers,
      logger,
      recorder,
    )
    const { images } = await loadProductImages(inputs.productImages, {
      workspace,
      ...(context.signal ? { signal: context.signal } : {}),
    })
    const notes = [...resolved.notices]
    const llmWriter = writesWithLlm(inputs, providers)
    const jobs = await storyJobs(resolved, recorder, inputs, images.length, context, {
      notes,
      llmWriter,
    })
    const segments = previous ? null : (storyboard?.segments.length ?? inputs.segmentCount)
    if (previous)
      notes.push(
        'retry-segments: the frames of the retried segments are redone; their count is not planned.',
      )
    const unkeyed = laterJobs(resolved, inputs, services, {
      segments,
      stories: !storyboard && !previous,
      llmWriter,
    })
    const plan = await planStageJobs('keyframes', jobs, services, cache, { notes, unkeyed })
    return { folder, plan, planPath: await writePlan(folder, plan, context) }
  } finally {
    await services.close()
  }
}

/** Whether the stories are written by the local LLM (`story-model` llm, or auto with one). */
function writesWithLlm(inputs: KeyframesInputs, providers: KeyframesProviders): boolean {
  if (inputs.storyModel === 'llm') return true
  const llm =
    providers.llm !== undefined || (providers.localModels === true && inputs.llm !== undefined)
  return inputs.storyModel === 'auto' && llm
}

/**
 * The stories job of an MCP story model, recorded as the real run builds it; none for the local
 * LLM (not a job of the job runner: it is never called here) or the preview templates.
 */
async function storyJobs(
  resolved: ResolvedProviders,
  recorder: JobRecorder,
  inputs: KeyframesInputs,
  productImageCount: number,
  context: StageContext,
  o: { notes: string[]; llmWriter: boolean },
): Promise<JobToPlan[]> {
  const writer = resolved.writer
  if (!writer) return []
  if (o.llmWriter || writer.preview) {
    o.notes.push(
      `The stories and the storyboard are written by ${writer.label} (${writer.preview ? 'preview templates' : 'the local LLM'}): no model job of the job runner, no charge.`,
    )
    return []
  }
  const signal = context.signal ?? new AbortController().signal
  const request = { concept: inputs.concept as string, count: STORY_OPTIONS, productImageCount }
  const job = await recorder.capture(() => writer.writeStories(request, signal))
  return job ? [{ job, kind: 'text' }] : []
}

/** The storyboard, composition and render jobs, whose keys depend on earlier answers. */
function laterJobs(
  resolved: ResolvedProviders,
  inputs: KeyframesInputs,
  services: ModelServices,
  o: { segments: number | null; stories: boolean; llmWriter: boolean },
): UnkeyedJob[] {
  const { width, height } = KEYFRAME_SIZES[inputs.aspectRatio]
  const frames = o.segments === null ? null : o.segments + 1
  const job = (
    label: string,
    model: string,
    kind: UnkeyedJob['kind'],
    count: number | null,
    dependsOn: string,
  ): UnkeyedJob => {
    const price = priceOf(model, services)
    const one = jobCost(price, { images: 1, pixels: width * height, seconds: null }).usd
    return {
      label,
      model,
      kind,
      count,
      depends_on: dependsOn,
      price,
      estimated_usd: one === null || count === null ? null : one * count,
    }
  }
  const out: UnkeyedJob[] = []
  const writer = resolved.writer
  if (
    o.stories &&
    writer &&
    !writer.preview &&
    inputs.storyModel !== 'llm' &&
    writer.label !== 'llm'
  )
    out.push(job('storyboard', writer.label, 'text', 1, 'the stories the story model writes'))
  if (inputs.enhancerModel !== 'llm')
    out.push(
      job(
        'frame compositions',
        resolved.enhancer.label,
        'text',
        frames,
        o.stories ? 'the storyboard the story model writes' : 'the frame steps (not keyed ahead)',
      ),
    )
  out.push(
    job(
      'frame renders',
      resolved.renderer.label,
      'image',
      frames,
      'the composition the enhancer writes',
    ),
  )
  return out
}

/** A label's price: $0 for the preview server, the registry entry's, else null (unknown). */
function priceOf(label: string, services: ModelServices): Price | null {
  if (label === 'preview' || label.startsWith('preview:') || label.startsWith('preview-'))
    return { usd: 0, per: 'call' }
  const entry = services.registry.find(label)
  return entry ? entryPrice(entry) : null
}
