import { progressHooks, stageProgress } from '../../runner/progress.js'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import type { GenerationQueue } from '../../runner/generation-queue.js'
import { ModelServices, type ModelServicesOptions } from '../../runner/services.js'
import { withBudgetOutcome } from './budget-outcome.js'
import { finishStage, startStage, type StageInput, type StageStart } from '../stage-tail.js'
import { KEYFRAME_SIZES } from './aspect.js'
import { KeyframeCache } from './cache.js'
import { buildKeyframesFile } from './build-file.js'
import { frameFile, FrameSteps, type MadeFrame } from './frame-steps.js'
import { runGraph, type NodeOutcome } from './graph.js'
import type { KeyframesInputs } from './inputs.js'
import {
  KEYFRAMES_FILE,
  KeyframesFileSchema,
  STORIES_FILE,
  type KeyframesFile,
  type KeyframeSegmentRecord,
} from './keyframes-file.js'
import { keyframeNodes } from './plan.js'
import { loadProductImages, type ProductImage } from './product-images.js'
import { resolveProviders, type KeyframesProviders, type ResolvedProviders } from './providers.js'
import { segmentRecords } from './records.js'
import { announceReadySegments } from './segment-ready.js'
import { keptSegments, previousRun, retryWarnings, type PreviousRun } from './retry.js'
import { writeStories, type StoriesOutcome } from './stories.js'
import { measureStoryFigures, type StoryFigures } from './story-figures.js'
import { cpuTextEmbedder, llmTextEmbedder } from './story-figures-embedder.js'
import { chooseClipScorer, type ClipChoice } from '../../quality/scorers/choose.js'
import { scoreKeyframes } from './frame-scores.js'
import { MINILM_L6_V2 } from '../../models/cpu/catalog.js'
import { loadStoryboardFile, type Storyboard } from './storyboard.js'
import { writeKeyframesTelemetry } from './telemetry.js'
import type { JournalCounts, RunJournal } from '../../runner/journal.js'

/** What the keyframes stage returns. */
export interface KeyframesResult {
  /** Absolute path of `{folder}`. */
  folder: string
  /** Absolute path of `{folder}/keyframes.json`. */
  file: string
  /** What was written to it. */
  keyframes: KeyframesFile
  /** Frame files written (generated plus inherited, kept ones included). */
  frameCount: number
  generatedFrames: number
  inheritedFrames: number
  /** Numbers of the segments that failed. */
  failedSegments: number[]
  /** True when every segment has both frames. */
  complete: boolean
  warnings: { code: string; message: string }[]
  /** The run journal's model-job counts (reused, resumed, new, resubmitted; issue 11). */
  jobs?: JournalCounts | undefined
}

/**
 * The run journal and the runner's job cache of the stage (issue 11): the keyframes cache
 * folder and TTL are the runner's job cache too. A run with retry-segments redoes those
 * segments: it reads neither the journal nor the job cache (the stage's own cache still
 * answers the other segments, and skips its lookups for the retried ones).
 */
export function durableOptions(
  inputs: KeyframesInputs,
  folder: string,
  cacheFolder: string,
): Pick<ModelServicesOptions, 'journal' | 'cache'> {
  const retry = inputs.retrySegments.length > 0
  return {
    journal: { folder, resume: retry ? 'false' : inputs.resume },
    cache: {
      folder: inputs.cacheTtlMs > 0 && !retry ? cacheFolder : null,
      ttlMs: inputs.cacheTtlMs,
    },
  }
}

/**
 * The keyframes stage (SPEC §6): a storyboard (from a file, or written for a concept: three
 * stories, the chosen one split into Hook → Body… → CTA) and product photos become two
 * keyframes per segment. Each frame is composed by the enhancer and rendered by the keyframe
 * model with the product references; a last frame also uses its first frame as reference; every
 * first frame after the Hook is the previous segment's last frame, copied (a missing one is
 * generated instead). The steps run as a dependency graph on the generation queue, with a
 * result cache; a failed segment is recorded with its reason while the others complete, and
 * `retry-segments` redoes only the named segments.
 *
 * Everything is checked before a model is called (inputs, storyboard file, product images,
 * models). The stage succeeds when at least one segment is complete; it writes
 * `keyframes.json`, the frames, `stories.json` (generated stories) and the telemetry in every
 * case it gets that far, also when cancelled.
 *
 * @throws KamuiError KF_001 invalid product images, KF_002 invalid storyboard file (or no
 *   earlier keyframes.json for retry-segments), CFG_001 / CFG_002 / CFG_003 / FS_001 invalid
 *   inputs, IMG_002 / LLM_001 unavailable models (all before any model call); the stories'
 *   error when they cannot be written; KF_003 when no segment is complete; RUN_001 when
 *   cancelled; IMG_003 on the total deadline
 */
export async function runKeyframes(
  inputs: KeyframesInputs,
  context: StageContext,
  providers: KeyframesProviders = {},
): Promise<KeyframesResult> {
  const started = performance.now()
  const { logger, workspace } = context
  const folder = resolveInWorkspace(workspace, inputs.folderName, 'folder-name')
  const cacheFolder = resolveInWorkspace(workspace, inputs.cacheFolder, 'cache-folder')
  // Progress (issue 16 §2): stories, compositions and renders are all model jobs of this stage.
  const progress = stageProgress(context.progress, 'keyframes', { unit: 'keyframe jobs' })
  const services = await openKeyframeServices(inputs, context, {
    ...durableOptions(inputs, folder, cacheFolder),
    budget: { maxCostUsd: inputs.maxCostUsd },
    hooks: progressHooks(progress),
  })
  try {
    const previous =
      inputs.retrySegments.length > 0 ? await previousRun(folder, inputs.retrySegments) : undefined
    const start = await startStage(context, stageInput(inputs, workspace))
    const needStories = !previous && !inputs.storyboardFile
    const resolved = await resolveProviders(inputs, needStories, services, providers, logger)
    for (const notice of resolved.notices) logger.warn(notice)
    const frameScoring = await chooseClipScorer(inputs.qualityScorer ?? 'none', services, {
      logger,
      signal: context.signal,
    })
    const fileStoryboard = await storyboardFromFile(inputs, workspace, previous)
    const products = await timedProductImages(inputs, context)
    const total = deadlineSignal(
      inputs.totalTimeoutMs,
      'The keyframes step (total-timeout)',
      context.signal,
    )
    const run: KeyframesRun = {
      started,
      start,
      inputs,
      context,
      folder,
      cacheFolder,
      ...KEYFRAME_SIZES[inputs.aspectRatio],
      previous,
      retried: new Set(inputs.retrySegments),
      resolved,
      images: products.images,
      signal: total.signal,
      cache: new KeyframeCache(
        inputs.cacheTtlMs > 0 ? cacheFolder : null,
        inputs.cacheTtlMs,
        logger,
      ),
      queue: services.queue(inputs.maxParallel),
      journal: services.journal,
      frameScoring,
    }
    try {
      const story: StoryOutcome = await storyboardOf(run, fileStoryboard)
      story.figures = await storyFiguresOf(run, story, services)
      const frames = await makeFrames(run, story.storyboard)
      return await withBudgetOutcome(
        finishKeyframes(run, story, frames, products, services),
        services.budget,
        (r) => `${r.generatedFrames} frame(s) made`,
      )
    } finally {
      total.clear()
    }
  } finally {
    await services.close()
    progress.end()
  }
}

/**
 * The model services of a keyframes run (or its dry run): the registry, MCP, ComfyUI, the
 * local LLM and the CPU models of `inputs`, with `options` (journal, cache, budget, hooks).
 *
 * @throws KamuiError CFG_002 malformed mcp-config, CFG_003 / FS_001 bad registry file
 */
export function openKeyframeServices(
  inputs: KeyframesInputs,
  context: StageContext,
  options: ModelServicesOptions,
): Promise<ModelServices> {
  return ModelServices.open(
    {
      mcpConfig: inputs.mcpConfig,
      modelRegistry: inputs.modelRegistry,
      comfyuiUrl: inputs.comfyuiUrl,
      llm: inputs.llm,
      modelCacheDir: inputs.modelCacheDir,
      cpuModelCatalog: inputs.cpuModelCatalog,
    },
    context,
    options,
  )
}

/** What the steps of one run share. */
interface KeyframesRun {
  /** `performance.now()` at the start. */
  started: number
  /** The run record and the done-marker check of the input, for the telemetry. */
  start: StageStart
  inputs: KeyframesInputs
  context: StageContext
  /** Absolute stage folder. */
  folder: string
  /** Absolute cache folder. */
  cacheFolder: string
  width: number
  height: number
  previous: PreviousRun | undefined
  /** The segments of retry-segments. */
  retried: ReadonlySet<number>
  resolved: ResolvedProviders
  images: ProductImage[]
  /** The stage's deadline and cancellation. */
  signal: AbortSignal
  cache: KeyframeCache
  queue: GenerationQueue
  /** The folder's run journal: frames are recorded as their render jobs' outputs. */
  journal: RunJournal | undefined
  /** The CLIP scorer of `quality-scorer` (null: frames not scored) and its note. */
  frameScoring: ClipChoice
}

/** keyframes.json with the generated frames' scores (`quality-scorer`) and the scoring note. */
async function withFrameScores(run: KeyframesRun, file: KeyframesFile): Promise<KeyframesFile> {
  const { scorer, note } = run.frameScoring
  if (run.inputs.qualityScorer === undefined || run.inputs.qualityScorer === 'none') return file
  run.context.logger.info(note)
  const notices = [...file.notices, note]
  if (!scorer) return { ...file, notices }
  const segments = await scoreKeyframes(file.segments, run.folder, scorer, run.signal)
  return { ...file, notices, segments }
}

/** The storyboard of the earlier run or of `storyboard-file`; undefined when stories are written. */
export async function storyboardFromFile(
  inputs: KeyframesInputs,
  workspace: string,
  previous: PreviousRun | undefined,
): Promise<Storyboard | undefined> {
  if (previous) return previous.storyboard
  if (!inputs.storyboardFile) return undefined
  const file = resolveInWorkspace(workspace, inputs.storyboardFile, 'storyboard-file')
  const loaded = await loadStoryboardFile(file, inputs.storyboardFile)
  return { ...loaded, concept: loaded.concept ?? inputs.concept ?? null }
}

/** The product images, checked, with the time their loading took. */
async function timedProductImages(
  inputs: KeyframesInputs,
  context: StageContext,
): Promise<ProductsOutcome> {
  const started = performance.now()
  const { images, warnings } = await loadProductImages(inputs.productImages, {
    workspace: context.workspace,
    ...(context.signal ? { signal: context.signal } : {}),
  })
  return { images, warnings, ms: Math.round(performance.now() - started) }
}

/** The storyboard: the given one, or the chosen story's (stories.json written). */
async function storyboardOf(
  run: KeyframesRun,
  given: Storyboard | undefined,
): Promise<{
  storyboard: Storyboard
  stories: StoriesOutcome | undefined
  storyMs: number | null
}> {
  if (given) return { storyboard: given, stories: undefined, storyMs: null }
  const { inputs, context } = run
  const started = performance.now()
  const stories = await writeStories({
    writer: run.resolved.writer as NonNullable<ResolvedProviders['writer']>,
    concept: inputs.concept as string,
    storyIndex: inputs.storyIndex,
    segmentCount: inputs.segmentCount,
    productImageCount: run.images.length,
    cache: run.cache,
    queue: run.queue,
    signal: run.signal,
    stepTimeoutMs: inputs.frameTimeoutMs,
    logger: context.logger,
  })
  await writeRedactedJson(path.join(run.folder, STORIES_FILE), stories.file, context.redactor)
  return {
    storyboard: stories.storyboard,
    stories,
    storyMs: Math.round(performance.now() - started),
  }
}

/** Runs the frame steps as a graph; the segment records, the made frames and the outcomes. */
async function makeFrames(run: KeyframesRun, storyboard: Storyboard): Promise<FramesOutcome> {
  const { inputs, resolved, retried } = run
  const steps = new FrameSteps({
    folder: run.folder,
    storyboard,
    products: run.images,
    aspectRatio: inputs.aspectRatio,
    width: run.width,
    height: run.height,
    seed: inputs.seed,
    enhancer: resolved.enhancer,
    renderer: resolved.renderer,
    cache: run.cache,
    queue: run.queue,
    journal: run.journal,
    signal: run.signal,
    stepTimeoutMs: inputs.frameTimeoutMs,
    bypassCache: retried,
    logger: run.context.logger,
    provenance: {
      embed: inputs.embedProvenance !== false,
      stage: 'keyframes',
      runId: run.start.run.id,
      redact: (text) => run.context.redactor.redact(text),
    },
  })
  run.context.logger.info(
    `Keyframes for ${storyboard.segments.length} segments (${inputs.aspectRatio}, ${run.width}×${run.height}) with ` +
      `${resolved.enhancer.label} → ${resolved.renderer.label}, ${inputs.schedule} schedule, max-parallel ${inputs.maxParallel}` +
      (run.previous ? `; regenerating segment(s) ${inputs.retrySegments.join(', ')} only.` : '.'),
  )
  const started = performance.now()
  const kept = keptSegments(run.previous, retried)
  const nodes = keyframeNodes(storyboard.segments, steps, kept)
  const announced = announceReadySegments(nodes, storyboard.segments, inputs.onSegmentReady)
  const outcomes = await runGraph(announced, inputs.schedule)
  const ms = Math.round(performance.now() - started)
  const { records, made } = segmentRecords(storyboard.segments, outcomes, retried)
  await removeStaleFrames(
    run.folder,
    run.previous ? records.filter((r) => retried.has(r.index)) : records,
  )
  return { records, made, outcomes, ms }
}

/** The warnings of the run: product images, retry joins, failed segments. */
function runWarnings(
  run: KeyframesRun,
  imageWarnings: readonly { code: string; message: string }[],
  records: readonly KeyframeSegmentRecord[],
): { code: string; message: string }[] {
  return [
    ...imageWarnings,
    ...(run.previous ? retryWarnings(run.previous.file, run.images, records, run.retried) : []),
    ...records.flatMap((r) => (r.error ? [r.error] : [])),
  ]
}

/** The storyboard of the run, and the stories when they were written in it. */
interface StoryOutcome {
  storyboard: Storyboard
  stories: StoriesOutcome | undefined
  storyMs: number | null
  /** Story entropy and segment alignment (issue 17), or undefined before they are measured. */
  figures?: StoryFigures
}

/**
 * The story figures of the run (`measureStoryFigures`) with the sentence-embedding model on the
 * CPU from the model cache; not measured, with the reason, when it cannot be had.
 */
async function storyFiguresOf(
  run: KeyframesRun,
  story: StoryOutcome,
  services: ModelServices,
): Promise<StoryFigures> {
  const { logger } = run.context
  // The local LLM's embeddings endpoint when the run configured the local LLM, else (or when it
  // has none) the sentence-embedding model on the CPU.
  const llm = run.inputs.llm
    ? await llmTextEmbedder(() => services.llm('embeddings'), { logger, signal: run.signal })
    : undefined
  const embedder =
    llm && !('unavailable' in llm)
      ? llm
      : await cpuTextEmbedder(services.cpuModel(MINILM_L6_V2), services.cpuModels(), {
          logger,
          signal: run.signal,
        })
  const figures = await measureStoryFigures(story.storyboard, story.stories?.stories, embedder)
  const { entropy, alignment } = figures
  logger.info(
    `Story figures: entropy ${entropy.bits ?? 'not measured'}${entropy.bits === null ? '' : ' bits'} ` +
      `(target ≥ ${entropy.target}), concept alignment ${alignment.mean ?? 'not measured'} ` +
      `(target ≥ ${alignment.target})${figures.method ? `; ${figures.method}` : ''}.`,
  )
  return figures
}

/** The frames of the run. */
interface FramesOutcome {
  records: KeyframeSegmentRecord[]
  made: Map<string, MadeFrame>
  outcomes: Map<string, NodeOutcome>
  ms: number
}

/** The product images of the run. */
interface ProductsOutcome {
  images: ProductImage[]
  warnings: { code: string; message: string }[]
  ms: number
}

/** The keyframes.json of the run. */
function keyframesFileOf(
  run: KeyframesRun,
  story: StoryOutcome,
  frames: FramesOutcome,
  products: ProductsOutcome,
): KeyframesFile {
  const { context, inputs, resolved } = run
  const file = buildKeyframesFile({
    version: context.version,
    inputs,
    width: run.width,
    height: run.height,
    notices: resolved.notices,
    enhancer: resolved.enhancer,
    renderer: resolved.renderer,
    storyboard: story.storyboard,
    stories: story.stories,
    previous: run.previous,
    images: products.images,
    records: frames.records,
    outcomes: frames.outcomes,
    cache: run.cache,
    cacheFolder: path.relative(context.workspace, run.cacheFolder) || '.',
    timings: {
      started: run.started,
      storyMs: story.storyMs,
      productImagesMs: products.ms,
      framesMs: frames.ms,
    },
    warnings: runWarnings(run, products.warnings, frames.records),
  })
  return story.figures ? { ...file, storyFigures: story.figures } : file
}

/**
 * Writes keyframes.json and the telemetry, logs the warnings and the summary, and returns the
 * result.
 *
 * @throws KamuiError RUN_001 when cancelled, KF_003 when no segment is complete (after writing)
 */
async function finishKeyframes(
  run: KeyframesRun,
  story: StoryOutcome,
  frames: FramesOutcome,
  products: ProductsOutcome,
  services: ModelServices,
): Promise<KeyframesResult> {
  const { folder, context } = run
  const { logger } = context
  const scored = await withFrameScores(run, keyframesFileOf(run, story, frames, products))
  // The cost block of issue 11: no estimate (see KeyframesFileSchema `cost`).
  const keyframes: KeyframesFile = { ...scored, cost: services.budget.summary(null) }
  const cancelled = context.signal?.aborted ?? false
  const file = path.join(folder, KEYFRAMES_FILE)
  const { summary, warnings } = keyframes
  await finishStage({
    folder,
    logger,
    doneMarker: run.start.doneMarker,
    warnings,
    complete: !cancelled && summary.completeSegments > 0,
    writeFiles: () =>
      writeRedactedJson(file, KeyframesFileSchema.parse(keyframes), context.redactor),
    writeTelemetry: (_written, doneMarker) =>
      writeKeyframesTelemetry({
        folder,
        run: run.start.run,
        endedAt: new Date(),
        keyframes,
        made: frames.made,
        otherFiles: [KEYFRAMES_FILE, ...(story.stories ? [STORIES_FILE] : [])],
        redactor: context.redactor,
        cancelled,
        doneMarker,
      }),
  })
  logger.info(
    `keyframes.json: ${summary.frames} frames (${summary.generatedFrames} generated, ` +
      `${summary.inheritedFrames} inherited), cache ${keyframes.cache.hits} hit(s) / ${keyframes.cache.misses} miss(es).`,
  )
  if (cancelled) {
    throw new KamuiError(
      'RUN_001',
      `The run was cancelled; the frames made before that are in ${folder}.`,
    )
  }
  if (summary.completeSegments === 0) {
    throw new KamuiError(
      'KF_003',
      `No segment got both keyframes. ${keyframes.segments.map((r) => r.error?.message ?? '').join(' | ')}`,
    )
  }
  return {
    folder,
    file,
    keyframes,
    frameCount: summary.frames,
    generatedFrames: summary.generatedFrames,
    inheritedFrames: summary.inheritedFrames,
    failedSegments: summary.failedSegments,
    complete: summary.failedSegments.length === 0,
    warnings,
    jobs: run.journal ? { ...run.journal.counts } : undefined,
  }
}

/** Deletes frame files of an earlier run that this run did not make again. */
async function removeStaleFrames(
  folder: string,
  records: readonly KeyframeSegmentRecord[],
): Promise<void> {
  for (const record of records) {
    for (const frame of [record.firstFrame, record.lastFrame]) {
      if (frame.path === null)
        await rm(path.join(folder, frameFile(record.index, frame.kind)), { force: true })
    }
  }
}

/**
 * What the stage consumes for the done-marker check: the first product photo given as a file
 * (the image stage's primary image in a pipeline); nothing when every photo is a URL. A path
 * that is not valid is left to the product-image check (KF_001, FS_001), which comes next.
 */
function stageInput(inputs: KeyframesInputs, workspace: string): StageInput {
  const file = inputs.productImages.find((source) => !/^https?:\/\//i.test(source))
  if (!file) return { none: 'the product images are URLs, not files of another stage' }
  try {
    return { file: resolveInWorkspace(workspace, file, 'product-images') }
  } catch {
    return { none: `the product image ${file} is not a file in the workspace` }
  }
}
