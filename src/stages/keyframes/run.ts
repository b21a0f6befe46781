import { rm } from 'node:fs/promises'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { parseMcpConfig } from '../../providers/mcp/config.js'
import { McpPool } from '../../providers/mcp/pool.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { loadModelRegistry } from '../../models/registry.js'
import { GenerationQueue } from '../../runner/generation-queue.js'
import { runInfoFromEnv } from '../../output/telemetry/run-info.js'
import { KEYFRAME_SIZES } from './aspect.js'
import { KeyframeCache } from './cache.js'
import { totalCosts, type StepCost } from './costs.js'
import { frameFile, FrameSteps } from './frame-steps.js'
import { runGraph } from './graph.js'
import type { KeyframesInputs } from './inputs.js'
import {
  KEYFRAMES_FILE,
  KEYFRAMES_FILE_VERSION,
  KeyframesFileSchema,
  readKeyframesFile,
  STORIES_FILE,
  type KeyframeRecord,
  type KeyframesFile,
  type KeyframeSegmentRecord,
} from './keyframes-file.js'
import { keyframeNodes } from './plan.js'
import { loadProductImages, type ProductImage } from './product-images.js'
import { resolveProviders, type KeyframesProviders } from './providers.js'
import { segmentRecords } from './records.js'
import { writeStories, type StoriesOutcome } from './stories.js'
import { labelSegments, loadStoryboardFile, type Storyboard } from './storyboard.js'
import { writeKeyframesTelemetry } from './telemetry.js'

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
  const run = context.run ?? runInfoFromEnv(context.env, new Date())
  const { logger, workspace } = context
  const folder = resolveInWorkspace(workspace, inputs.folderName, 'folder-name')
  const cacheFolder = resolveInWorkspace(workspace, inputs.cacheFolder, 'cache-folder')
  const registry = await loadModelRegistry(context.workspace, inputs.modelRegistry)
  const servers = inputs.mcpConfig
    ? parseMcpConfig(inputs.mcpConfig, { logger, redactor: context.redactor, env: context.env })
    : {}
  const previewMode = inputs.mcpConfig === undefined
  const { width, height } = KEYFRAME_SIZES[inputs.aspectRatio]

  const previous =
    inputs.retrySegments.length > 0 ? await previousRun(folder, inputs.retrySegments) : undefined
  const needStories = !previous && !inputs.storyboardFile
  const pool = new McpPool(servers, { logger, redactor: context.redactor, env: context.env })
  try {
    const resolved = resolveProviders(
      { story: inputs.storyModel, enhancer: inputs.enhancerModel, keyframe: inputs.keyframeModel },
      needStories,
      {
        registry,
        pool,
        previewMode,
        providers,
        logger,
        ...(context.pollIntervalMs !== undefined ? { pollIntervalMs: context.pollIntervalMs } : {}),
      },
    )
    if (resolved.usesPreviewServer) {
      // The pool reads `servers` lazily (nothing is connected yet): adding the key here is enough.
      servers[PREVIEW_SERVER_KEY] = { kind: 'stdio', ...context.previewServer, env: {} }
    }
    for (const notice of resolved.notices) logger.warn(notice)

    let fileStoryboard: Storyboard | undefined
    if (previous) fileStoryboard = previous.storyboard
    else if (inputs.storyboardFile) {
      const file = resolveInWorkspace(workspace, inputs.storyboardFile, 'storyboard-file')
      const loaded = await loadStoryboardFile(file, inputs.storyboardFile)
      fileStoryboard = { ...loaded, concept: loaded.concept ?? inputs.concept ?? null }
    }
    const imagesStarted = performance.now()
    const { images, warnings: imageWarnings } = await loadProductImages(inputs.productImages, {
      workspace,
      ...(context.signal ? { signal: context.signal } : {}),
    })
    const productImagesMs = Math.round(performance.now() - imagesStarted)

    const total = deadlineSignal(
      inputs.totalTimeoutMs,
      'The keyframes step (total-timeout)',
      context.signal,
    )
    const cache = new KeyframeCache(
      inputs.cacheTtlMs > 0 ? cacheFolder : null,
      inputs.cacheTtlMs,
      logger,
    )
    const queue = new GenerationQueue({
      maxParallel: inputs.maxParallel,
      rateLimitOf: (label) => registry.find(label)?.rateLimit ?? {},
      logger,
      ...(context.retryPolicy ? { retry: context.retryPolicy } : {}),
    })
    try {
      let stories: StoriesOutcome | undefined
      let storyboard: Storyboard
      const storyStarted = performance.now()
      if (fileStoryboard) storyboard = fileStoryboard
      else {
        stories = await writeStories({
          writer: resolved.writer as NonNullable<typeof resolved.writer>,
          concept: inputs.concept as string,
          storyIndex: inputs.storyIndex,
          segmentCount: inputs.segmentCount,
          productImageCount: images.length,
          cache,
          queue,
          signal: total.signal,
          stepTimeoutMs: inputs.frameTimeoutMs,
          logger,
        })
        storyboard = stories.storyboard
        await writeJson(path.join(folder, STORIES_FILE), stories.file, context.redactor)
      }
      const storyMs = stories ? Math.round(performance.now() - storyStarted) : null

      const retried = new Set(inputs.retrySegments)
      const kept = new Map<number, { first: KeyframeRecord; last: KeyframeRecord }>()
      for (const segment of previous?.file.segments ?? []) {
        if (!retried.has(segment.index))
          kept.set(segment.index, { first: segment.firstFrame, last: segment.lastFrame })
      }
      const steps = new FrameSteps({
        folder,
        storyboard,
        products: images,
        aspectRatio: inputs.aspectRatio,
        width,
        height,
        seed: inputs.seed,
        enhancer: resolved.enhancer,
        renderer: resolved.renderer,
        cache,
        queue,
        signal: total.signal,
        stepTimeoutMs: inputs.frameTimeoutMs,
        bypassCache: retried,
        logger,
      })
      logger.info(
        `Keyframes for ${storyboard.segments.length} segments (${inputs.aspectRatio}, ${width}×${height}) with ` +
          `${resolved.enhancer.label} → ${resolved.renderer.label}, ${inputs.schedule} schedule, max-parallel ${inputs.maxParallel}` +
          (previous ? `; regenerating segment(s) ${inputs.retrySegments.join(', ')} only.` : '.'),
      )
      const framesStarted = performance.now()
      const outcomes = await runGraph(
        keyframeNodes(storyboard.segments, steps, kept),
        inputs.schedule,
      )
      const framesMs = Math.round(performance.now() - framesStarted)
      const { records, made } = segmentRecords(storyboard.segments, outcomes, retried)
      if (!previous) await removeStaleFrames(folder, records)
      else
        await removeStaleFrames(
          folder,
          records.filter((r) => retried.has(r.index)),
        )

      const cancelled = context.signal?.aborted ?? false
      const warnings = [
        ...imageWarnings,
        ...(previous ? retryWarnings(previous.file, images, records, retried) : []),
        ...records.flatMap((r) => (r.error ? [r.error] : [])),
      ]
      const storySteps: StepCost[] = stories?.costs ?? previous?.file.costs.storySteps ?? []
      const frameCosts = records.flatMap((r) =>
        [r.firstFrame, r.lastFrame].filter((f) => !f.reused).flatMap((f) => f.costs),
      )
      const costs = totalCosts([...(stories?.costs ?? []), ...frameCosts])
      const stats = cache.stats()
      const frames = records.flatMap((r) => [r.firstFrame, r.lastFrame])
      const anyPreview = frames.some((f) => f.preview) || (stories?.preview ?? false)
      const keyframes: KeyframesFile = {
        schemaVersion: KEYFRAMES_FILE_VERSION,
        generator: { name: 'kamui-media-actions', version: context.version },
        preview: anyPreview || resolved.enhancer.preview || resolved.renderer.preview,
        notices: resolved.notices,
        createdAt: new Date().toISOString(),
        concept: storyboard.concept,
        storySource: previous ? previous.file.storySource : storyboard.source,
        storyIndex: stories ? inputs.storyIndex : (previous?.file.storyIndex ?? null),
        story: storyboard.story,
        aspectRatio: inputs.aspectRatio,
        width,
        height,
        seed: inputs.seed,
        schedule: inputs.schedule,
        models: {
          story: stories?.model ?? previous?.file.models.story ?? null,
          enhancer: { label: resolved.enhancer.label, preview: resolved.enhancer.preview },
          keyframe: { label: resolved.renderer.label, preview: resolved.renderer.preview },
        },
        productImages: images.map(productRecord),
        segments: records,
        summary: {
          segments: records.length,
          completeSegments: records.filter((r) => r.status === 'complete').length,
          failedSegments: records.filter((r) => r.status === 'failed').map((r) => r.index),
          frames: frames.filter((f) => f.path !== null).length,
          generatedFrames: frames.filter((f) => f.status === 'generated').length,
          inheritedFrames: frames.filter((f) => f.status === 'inherited').length,
          reusedFrames: frames.filter((f) => f.reused && f.path !== null).length,
        },
        cache: {
          enabled: cache.enabled,
          folder: cache.enabled ? path.relative(workspace, cacheFolder) || '.' : null,
          ttlHours: inputs.cacheTtlMs / 3_600_000,
          hits: stats.story.hits + stats.enhancement.hits + stats.render.hits,
          misses: stats.story.misses + stats.enhancement.misses + stats.render.misses,
          byStep: stats,
        },
        costs: { ...costs, storySteps },
        timings: {
          totalMs: Math.round(performance.now() - started),
          storyMs,
          productImagesMs,
          framesMs,
          steps: [...outcomes].map(([id, o]) => ({
            id,
            status: o.status,
            startedMs: o.startedMs,
            endedMs: o.endedMs,
          })),
        },
        retry: previous ? { segments: inputs.retrySegments } : null,
        warnings,
      }
      const file = path.join(folder, KEYFRAMES_FILE)
      await writeJson(file, KeyframesFileSchema.parse(keyframes), context.redactor)
      await writeKeyframesTelemetry({
        folder,
        run,
        endedAt: new Date(),
        keyframes,
        made,
        otherFiles: [KEYFRAMES_FILE, ...(stories ? [STORIES_FILE] : [])],
        redactor: context.redactor,
        cancelled,
      })
      for (const warning of warnings) logger.warn(`${warning.code}: ${warning.message}`)
      logger.info(
        `keyframes.json: ${keyframes.summary.frames} frames (${keyframes.summary.generatedFrames} generated, ` +
          `${keyframes.summary.inheritedFrames} inherited), cache ${keyframes.cache.hits} hit(s) / ${keyframes.cache.misses} miss(es).`,
      )
      if (cancelled) {
        throw new KamuiError(
          'RUN_001',
          `The run was cancelled; the frames made before that are in ${folder}.`,
        )
      }
      if (keyframes.summary.completeSegments === 0) {
        throw new KamuiError(
          'KF_003',
          `No segment got both keyframes. ${records.map((r) => r.error?.message ?? '').join(' | ')}`,
        )
      }
      return {
        folder,
        file,
        keyframes,
        frameCount: keyframes.summary.frames,
        generatedFrames: keyframes.summary.generatedFrames,
        inheritedFrames: keyframes.summary.inheritedFrames,
        failedSegments: keyframes.summary.failedSegments,
        complete: keyframes.summary.failedSegments.length === 0,
        warnings,
      }
    } finally {
      total.clear()
    }
  } finally {
    await pool.close()
  }
}

/**
 * The earlier run a retry-segments run builds on.
 *
 * @throws KamuiError KF_002 when `{folder}/keyframes.json` is missing or invalid, CFG_001 when a
 *   named segment is not in its storyboard
 */
async function previousRun(
  folder: string,
  segments: readonly number[],
): Promise<{ file: KeyframesFile; storyboard: Storyboard }> {
  const location = path.join(folder, KEYFRAMES_FILE)
  const file = await readKeyframesFile(location).catch((error: unknown) => {
    throw new KamuiError(
      'KF_002',
      `retry-segments needs the keyframes.json of an earlier run in folder-name: ${(error as Error).message}`,
      { cause: error },
    )
  })
  const missing = segments.filter((n) => !file.segments.some((s) => s.index === n))
  if (missing.length > 0) {
    throw new KamuiError(
      'CFG_001',
      `retry-segments names segment(s) ${missing.join(', ')}, but the earlier storyboard has ${file.segments.length} segments.`,
    )
  }
  return {
    file,
    storyboard: {
      source: file.storySource,
      concept: file.concept,
      story: file.story,
      segments: labelSegments(
        file.segments.map((s) => ({
          type: s.type,
          description: s.description,
          duration: s.duration,
          ...(s.title ? { title: s.title } : {}),
        })),
      ),
    },
  }
}

/** Warnings of a retry-segments run: changed product photos, joins that may no longer match. */
function retryWarnings(
  earlier: KeyframesFile,
  images: readonly ProductImage[],
  records: readonly KeyframeSegmentRecord[],
  retried: ReadonlySet<number>,
): { code: string; message: string }[] {
  const warnings: { code: string; message: string }[] = []
  const before = earlier.productImages.map((p) => p.sha256).join(',')
  if (before !== images.map((p) => p.sha256).join(',')) {
    warnings.push({
      code: 'KF_001',
      message:
        'the product images differ from the earlier run; the kept segments were made with the earlier ones.',
    })
  }
  for (const record of records) {
    const prev = records.find((r) => r.index === record.index - 1)
    if (
      !prev ||
      retried.has(record.index) ||
      !retried.has(prev.index) ||
      prev.lastFrame.path === null
    )
      continue
    warnings.push({
      code: 'KF_003',
      message: record.firstFrame.inherited
        ? `segment ${record.index} (${record.label}) keeps its last frame, which was rendered from the earlier first frame; ` +
          `add ${record.index} to retry-segments for a seamless clip from the new one.`
        : `segment ${record.index} (${record.label}) keeps a first frame that was generated because segment ${prev.index} had no last frame; ` +
          `add ${record.index} to retry-segments to inherit the new last frame.`,
    })
  }
  return warnings
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

function productRecord(image: ProductImage): KeyframesFile['productImages'][number] {
  let source = image.source
  if (image.url) {
    const url = new URL(image.url)
    source = `${url.origin}${url.pathname}`
  }
  return {
    index: image.index,
    source,
    kind: image.kind,
    format: image.format,
    bytes: image.bytes,
    width: image.width,
    height: image.height,
    sha256: image.sha256,
  }
}

/** Writes JSON with every string value redacted (hashes excepted). */
async function writeJson(file: string, value: unknown, redactor: Redactor): Promise<void> {
  const text = JSON.stringify(
    value,
    (key, v: unknown) => (typeof v === 'string' && key !== 'sha256' ? redactor.redact(v) : v),
    2,
  )
  await writeFileAtomic(file, `${text}\n`)
}
