import type { StageSummary } from '../../core/progress-event.js'
import { progressHooks, stageProgress, type StageProgress } from '../../runner/progress.js'
import { randomInt } from 'node:crypto'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { ResolvedModel } from '../../providers/image/provider.js'
import { preparePrompt, type PreparedPrompt } from '../../providers/llm/prepare-prompt.js'
import { assessImage } from '../../quality/assess.js'
import { chooseScorers } from '../../quality/scorers/choose.js'
import type { Scorer } from '../../quality/types.js'
import type { ShardManifest } from '../../contracts/shard-manifest.js'
import type { ShardRun } from '../../runner/shard-plan.js'
import type { JournalCounts } from '../../runner/journal.js'
import { ModelServices } from '../../runner/services.js'
import { resolveCacheFolder } from '../../runner/job-cache.js'
import { finishStage, startStage, type StageStart } from '../stage-tail.js'
import type { CostSummary } from '../../contracts/cost.js'
import { planImageJobs } from './dry-run.js'
import { imageOutcome, noImageError } from './build-report.js'
import type { ImageGenerationInputs } from './inputs.js'
import { planImages, type PlannedImage } from './plan.js'
import { qualityAnalysis } from './quality-analysis.js'
import type { GenerationReport, ImageRecord } from './report.js'
import { resolveModels } from './resolve-models.js'
import {
  imageFolderName,
  imageRequestOf,
  imageShardRun,
  prepareImageShard,
  shardNotice,
  shardQueueLimits,
  writeShardRecord,
} from './shard.js'
import { runStrategy, type Slot } from './strategies.js'
import { writeImageTelemetry } from './telemetry.js'
import { FILES, writeRunFiles } from './write-outputs.js'

/** What the image-generation stage returns. */
export interface ImageGenerationResult {
  /** Absolute path of `{folder}`. */
  folder: string
  /** Generated images in image order. */
  images: ImageRecord[]
  primary: ImageRecord
  /** 0-based index of the primary image in `images`. */
  primaryIndex: number
  report: GenerationReport
  /** Absolute path of the report (v2), or undefined (v1 writes only the legacy files). */
  reportPath: string | undefined
  /** Failures of images that were not made (the step still succeeds). */
  failures: ImageRecord[]
  /** Warnings for outputs and the summary: failed images, IMG_004. */
  warnings: { code: string; message: string }[]
  /** Every slot with all its candidates (for the contact sheet and telemetry). */
  slots: Slot[]
}

const PREVIEW_NOTICE =
  'PREVIEW OUTPUT: these images were rendered offline by the preview server (no mcp-config was given ' +
  'or the preview model was chosen). They are placeholders for layout and pipeline tests, not model output.'
/** Why the image stage has no done-marker check: it consumes no other stage's files. */
const NO_PRODUCER =
  'image generation is a first stage: it makes images from a prompt and reads no other stage folder.'

/** What a run is set up with before any image is made. */
interface ImageRunSetup {
  /** The inputs with the prepared (translated, enhanced) prompt. */
  inputs: ImageGenerationInputs
  prepared: PreparedPrompt
  models: ResolvedModel[]
  autoSelected: boolean
  scorers: Scorer[]
  /** The scorer recorded in the quality analysis: `vision`, a registry alias, or null. */
  scorerAlias: string | null
  /** The sentence about scoring in the report's notices. */
  scorerNote: string
  baseSeed: number
  plan: PlannedImage[]
  /** Notices of the run journal for the report (jobs submitted again, and why). */
  notices: string[]
  /** The shard this run makes, for a shard of a sharded run (issue 13). */
  shard?: ShardRun | undefined
}

/**
 * The image-generation stage (v1 and v2, SPEC §4 and §5): plans N images, runs them with the
 * chosen strategy on the generation queue through the model services (MCP, the preview server,
 * ComfyUI), writes every image as soon as it is made, scores it (pixel metrics, plus alignment
 * and aesthetics when a scorer is configured), picks the highest-scoring image as the primary
 * one, then writes the legacy files, the v2 files, the reports, the contact sheet, the
 * telemetry and the folder's done marker.
 *
 * Partial failure: the stage returns when at least one image was made (failures are in the
 * result and the report); with none it writes the report and throws the collected reasons.
 * When no image meets `quality-threshold` the best one is still delivered with an IMG_004
 * warning. On cancellation (`context.signal`) it writes what it has and the report, then
 * throws RUN_001.
 *
 * @throws KamuiError IMG_002 unknown model, CFG_002 malformed mcp-config, CFG_003 bad registry
 *   file, FS_001 folder outside the workspace (all before anything is written), the error of
 *   the failed images when none was made, RUN_001 when cancelled
 */
export async function runImageGeneration(
  inputs: ImageGenerationInputs,
  context: StageContext,
): Promise<ImageGenerationResult> {
  const progress = stageProgress(context.progress, 'images', {
    total: inputs.imageCount,
    unit: 'images',
  })
  try {
    const result = await runImages(inputs, context, progress)
    progress.end(progressSummary(result))
    return result
  } finally {
    progress.end()
  }
}

/** What the closing progress line says: made, failed, reused, cost when measured, preview. */
function progressSummary(result: ImageGenerationResult): StageSummary {
  const { report } = result
  const reused = report.generation_summary.jobs?.reused ?? 0
  const cost = report.cost
  return {
    made: Math.max(0, report.generation_summary.successful_generations - reused),
    failed: report.generation_summary.failed_generations,
    reused,
    ...(cost ? { costUsd: cost.complete ? cost.actual_usd : null } : {}),
    preview: report.images.filter((i) => i.status === 'ok' && i.model.startsWith('preview')).length,
  }
}

async function runImages(
  inputs: ImageGenerationInputs,
  context: StageContext,
  progress: StageProgress,
): Promise<ImageGenerationResult> {
  const startedAt = performance.now()
  const sharded = await prepareImageShard(inputs, context.workspace)
  inputs = sharded.inputs
  const folder = resolveInWorkspace(context.workspace, imageFolderName(inputs), 'folder-name')
  const start = await startStage(context, { none: NO_PRODUCER })
  // v1 writes exactly the legacy files (SPEC §4): no journal.
  const hooks = progressHooks(progress)
  const services = await ModelServices.open(
    inputs,
    context,
    inputs.legacyV1
      ? { hooks }
      : {
          hooks,
          journal: { folder, resume: inputs.resume },
          budget: { maxCostUsd: inputs.budget.maxCostUsd },
          cache: {
            folder: resolveCacheFolder(inputs.cache.cacheFolder, context.workspace, context.env),
            ttlMs: inputs.cache.cacheTtlMs,
          },
        },
  )
  let setup: ImageRunSetup
  let slots: Slot[]
  let estimatedUsd: number | null = null
  try {
    setup = await setUpRun(inputs, context, services, sharded.manifest)
    progress.plan(setup.plan.length)
    // The dry run's estimate of the same jobs, before any is submitted (issue 11).
    if (!inputs.legacyV1)
      estimatedUsd = (
        await planImageJobs(setup.inputs, setup.models, setup.plan, services, context)
      ).totals.estimated_usd
    slots = await generate(setup, folder, { ...context, run: start.run }, services)
  } finally {
    await services.close()
  }
  const jobs = services.journal?.counts
  setup.notices.push(...(services.journal?.notices ?? []))
  const cost = inputs.legacyV1 ? undefined : services.budget.summary(estimatedUsd)
  return finishRun(setup, slots, { folder, start, startedAt, context, jobs, cost })
}

/**
 * Prepares the prompt (translation and enhancement come first: everything after uses the
 * prepared prompt, the auto model choice included; the report keeps the original), resolves
 * the models, sets up the scorers and plans the images.
 */
async function setUpRun(
  raw: ImageGenerationInputs,
  context: StageContext,
  services: ModelServices,
  manifest?: ShardManifest,
): Promise<ImageRunSetup> {
  const { logger } = context
  const signalOption = context.signal ? { signal: context.signal } : {}
  const prepared = await preparePrompt(raw.prompt, raw.llm, {
    createClient: () => services.llm('chat'),
    logger,
    ...signalOption,
  })
  const inputs = { ...raw, prompt: prepared.prompt }
  const { models, autoSelected } = resolveModels(inputs.models, inputs.prompt, (alias) =>
    services.resolveModel(alias, 'image'),
  )
  const scoring = await setUpScorers(inputs, prepared, context, services)
  // A shard is checked against its manifest before the journal's first line (seed set by prepareImageShard).
  const shard = imageShardRun(raw, models, raw.seed ?? 0, services.registry, manifest)
  const baseSeed = await baseSeedOf(raw, services)
  const plan = planImages(
    inputs.imageCount,
    models.map((m) => m.requested),
    baseSeed,
  ).filter((p) => !shard || shard.numbers.has(p.index))
  const notices = shard ? [shardNotice(shard, inputs.strategy === 'smart')] : []
  return { inputs, prepared, models, autoSelected, ...scoring, baseSeed, plan, notices, shard }
}

/**
 * The base seed: `seed`, else the one the folder's run journal recorded for the same request
 * (prompt as given, models, count, size, strategy), so that a resumed run asks for the same
 * jobs (same job keys), else a random one. The seed used is journalled as a `run` line.
 */
async function baseSeedOf(inputs: ImageGenerationInputs, services: ModelServices): Promise<number> {
  const { journal } = services
  const request = imageRequestOf(inputs)
  const seed = inputs.seed ?? journal?.seedOf(request) ?? randomInt(0, 2 ** 31 - 1)
  await journal?.append({ event: 'run', stage: 'image-generation', request, seed })
  return seed
}

/** The scorers of `quality-scorer` (the quality layer chooses them; see `chooseScorers`). */
async function setUpScorers(
  inputs: ImageGenerationInputs,
  prepared: PreparedPrompt,
  context: StageContext,
  services: ModelServices,
): Promise<Pick<ImageRunSetup, 'scorers' | 'scorerAlias' | 'scorerNote'>> {
  const choice = await chooseScorers(inputs.qualityScorer, services, {
    llm: inputs.llm,
    client: prepared.client,
    logger: context.logger,
    signal: context.signal,
  })
  return { scorers: choice.scorers, scorerAlias: choice.alias, scorerNote: choice.note }
}

/** Runs the plan with the chosen strategy on a queue of the run, within `total-timeout`. */
async function generate(
  setup: ImageRunSetup,
  folder: string,
  context: StageContext,
  services: ModelServices,
): Promise<Slot[]> {
  const { inputs, models, plan } = setup
  const { logger } = context
  if (models.some((m) => m.preview)) logger.warn(PREVIEW_NOTICE)
  if (setup.autoSelected)
    logger.info(`models: auto picked ${models[0]?.requested} for this prompt.`)
  const maxParallel = inputs.strategy === 'sequential' ? 1 : inputs.maxParallel
  logger.info(
    `Generating ${plan.length} image(s) with ${[...new Set(models.map((m) => m.label))].join(', ')} ` +
      `(${inputs.strategy}, max-parallel ${maxParallel}, quality-threshold ${inputs.qualityThreshold}).`,
  )
  const total = deadlineSignal(
    inputs.totalTimeoutMs,
    'The image-generation step (total-timeout)',
    context.signal,
  )
  try {
    return await runStrategy(plan, {
      inputs,
      folder,
      models,
      registry: services.registry,
      previewMode: services.previewMode,
      providerOf: (model) => services.image(model),
      queue: services.queue(maxParallel, shardQueueLimits(setup.shard, models)),
      signal: total.signal,
      logger,
      journal: services.journal,
      provenance: {
        embed: inputs.embedProvenance !== false,
        stage: inputs.legacyV1 ? 'image-generation' : 'image-generation-v2',
        runId: context.run?.id ?? 'local',
        redact: (text) => context.redactor.redact(text),
      },
      deadlineAt: performance.now() + inputs.totalTimeoutMs,
      fileOf: (index) => (inputs.legacyV1 ? FILES.primaryImage : FILES.image(index)),
      assess: (candidate) =>
        assessImage(candidate.image?.png as Buffer, {
          prompt: inputs.prompt,
          requested: { width: inputs.width, height: inputs.height },
          scorers: setup.scorers,
          signal: total.signal,
          logger,
        }),
    })
  } finally {
    total.clear()
  }
}

/** Where a run ends: its folder, start and context. */
interface RunEnd {
  folder: string
  start: StageStart
  startedAt: number
  context: StageContext
  /** The run journal's job counts, when the run kept one. */
  jobs?: JournalCounts | undefined
  /** Estimated against actual cost (issue 11; v2 only). */
  cost?: CostSummary | undefined
}

/**
 * The stage's tail: the report, the run files, the telemetry and the done marker; then the
 * result, or RUN_001 when cancelled, or the collected reasons when no image was made.
 */
async function finishRun(
  setup: ImageRunSetup,
  slots: Slot[],
  end: RunEnd,
): Promise<ImageGenerationResult> {
  const { inputs, prepared } = setup
  const { folder, context } = end
  const cancelled = context.signal?.aborted ?? false
  const anyPreview = setup.models.some((m) => m.preview)
  const outcome = imageOutcome({
    inputs,
    originalPrompt: prepared.original,
    promptPreparation: prepared.record,
    version: context.version,
    models: setup.models.map((m) => m.requested),
    autoSelected: setup.autoSelected,
    baseSeed: setup.baseSeed,
    notices: [...(anyPreview ? [PREVIEW_NOTICE] : []), setup.scorerNote, ...setup.notices],
    slots,
    startedAt: end.startedAt,
    cancelled,
    jobs: end.jobs,
    cost: end.cost,
  })
  const { report, generated, failures, primary, primaryIndex, warnings } = outcome
  const written = await finishStage({
    folder,
    logger: context.logger,
    doneMarker: end.start.doneMarker,
    warnings,
    complete: !cancelled && primary !== undefined,
    writeFiles: async () => [
      ...(await writeRunFiles({
        folder,
        inputs,
        report,
        analysis: qualityAnalysis(slots, inputs.qualityThreshold, setup.scorerAlias),
        slots,
        generated,
        primary,
        redactor: context.redactor,
        runId: end.start.run.id,
      })),
      ...(setup.shard ? [await writeShardRecord(folder, setup.shard, context.redactor)] : []),
    ],
    writeTelemetry: (files, doneMarker) =>
      writeImageTelemetry({
        folder,
        stage: inputs.legacyV1 ? 'image-generation' : 'image-generation-v2',
        run: end.start.run,
        endedAt: new Date(),
        slots,
        primary,
        otherFiles: files.filter((file) => file !== FILES.primaryImage),
        redactor: context.redactor,
        cancelled,
        doneMarker,
      }),
  })
  if (cancelled) {
    throw new KamuiError(
      'RUN_001',
      `The run was cancelled; ${generated.length} image(s) made before that were kept in ${folder}.`,
    )
  }
  if (!primary) throw noImageError(failures)
  const reportPath = written.includes(FILES.report) ? path.join(folder, FILES.report) : undefined
  const images = generated
  return { folder, images, primary, primaryIndex, report, reportPath, failures, warnings, slots }
}
