import { randomInt } from 'node:crypto'
import path from 'node:path'
import { deadlineSignal } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { VISION_SCORER_ALIAS } from '../../providers/llm/inputs.js'
import { preparePrompt } from '../../providers/llm/prepare-prompt.js'
import { parseMcpConfig } from '../../providers/mcp/config.js'
import { ComfyPool } from '../../providers/comfyui/pool.js'
import { parseComfyUrls } from '../../providers/comfyui/urls.js'
import { McpPool } from '../../providers/mcp/pool.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { loadModelRegistry } from '../../models/registry.js'
import { assessImage } from '../../quality/assess.js'
import { McpScorer } from '../../quality/scorers/mcp-scorer.js'
import { visionScorerFromOptions } from '../../quality/scorers/vision-scorer.js'
import type { Scorer } from '../../quality/types.js'
import { GenerationQueue } from '../../runner/generation-queue.js'
import type { ImageGenerationInputs } from './inputs.js'
import { planImages } from './plan.js'
import { qualityAnalysis } from './quality-analysis.js'
import { modelSamples, slotRecord } from './records.js'
import { modelComparison, type GenerationReport, type ImageRecord } from './report.js'
import { resolveModels } from './resolve-models.js'
import { writeImageTelemetry } from './telemetry.js'
import { runInfoFromEnv } from '../../output/telemetry/run-info.js'
import { runStrategy, type Slot } from './strategies.js'
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

const PRIMARY_SELECTION = 'highest overall quality score (ties: lowest image number)'
const PREVIEW_NOTICE =
  'PREVIEW OUTPUT: these images were rendered offline by the preview server (no mcp-config was given ' +
  'or the preview model was chosen). They are placeholders for layout and pipeline tests, not model output.'

/**
 * The image-generation stage (v1 and v2, SPEC §4 and §5): plans N images, runs them with the
 * chosen strategy on the generation queue through MCP, writes every image as soon as it is
 * made, scores it (pixel metrics, plus alignment and aesthetics when a scorer is configured),
 * picks the highest-scoring image as the primary one, then writes the legacy files, the v2
 * files, the reports and the contact sheet.
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
  const startedAt = performance.now()
  const run = context.run ?? runInfoFromEnv(context.env, new Date())
  const { logger } = context
  const folder = resolveInWorkspace(context.workspace, inputs.folderName, 'folder-name')
  const registry = await loadModelRegistry(context.workspace, inputs.modelRegistry)
  const servers = inputs.mcpConfig
    ? parseMcpConfig(inputs.mcpConfig, { logger, redactor: context.redactor, env: context.env })
    : {}
  const previewMode = inputs.mcpConfig === undefined
  // Translation and enhancement (src/providers/llm) come first: everything after uses the prepared prompt
  // (the auto model choice included); the report keeps the original.
  const signalOption = context.signal ? { signal: context.signal } : {}
  const prepared = await preparePrompt(inputs.prompt, inputs.llm, { logger, ...signalOption })
  inputs = { ...inputs, prompt: prepared.prompt }
  const { models, autoSelected } = resolveModels(
    inputs.models,
    inputs.prompt,
    registry,
    previewMode,
  )
  const useVision = inputs.qualityScorer === VISION_SCORER_ALIAS
  const scorerEntry =
    inputs.qualityScorer && !useVision ? registry.get(inputs.qualityScorer, 'scorer') : undefined
  const visionScorer = useVision
    ? await visionScorerFromOptions(inputs.llm, {
        ...(prepared.client ? { client: prepared.client } : {}),
        logger,
        ...signalOption,
      })
    : undefined
  const baseSeed = inputs.seed ?? randomInt(0, 2 ** 31 - 1)
  const plan = planImages(
    inputs.imageCount,
    models.map((m) => m.requested),
    baseSeed,
  )
  const anyPreview = models.some((m) => m.preview)
  if (anyPreview) {
    servers[PREVIEW_SERVER_KEY] = { kind: 'stdio', ...context.previewServer, env: {} }
    logger.warn(PREVIEW_NOTICE)
  }
  if (autoSelected) logger.info(`models: auto picked ${models[0]?.requested} for this prompt.`)
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
  const queue = new GenerationQueue({
    maxParallel,
    rateLimitOf: (label) => registry.find(label)?.rateLimit ?? {},
    logger,
    ...(context.retryPolicy ? { retry: context.retryPolicy } : {}),
  })
  const pool = new McpPool(servers, { logger, redactor: context.redactor, env: context.env })
  const comfyPool = models.some((m) => m.entry.provider === 'comfyui')
    ? new ComfyPool(parseComfyUrls(inputs.comfyuiUrl), { logger })
    : undefined
  const scorers: Scorer[] = visionScorer
    ? [visionScorer]
    : scorerEntry
      ? [new McpScorer(scorerEntry, pool, { logger })]
      : []
  const scorerName = visionScorer
    ? `the vision model ${visionScorer.model} (quality-scorer: vision)`
    : scorerEntry?.alias
  let slots: Slot[]
  try {
    slots = await runStrategy(plan, {
      inputs,
      folder,
      models,
      registry,
      previewMode,
      pool,
      ...(comfyPool ? { comfyPool } : {}),
      env: context.env,
      queue,
      signal: total.signal,
      logger,
      ...(context.pollIntervalMs !== undefined ? { pollIntervalMs: context.pollIntervalMs } : {}),
      deadlineAt: performance.now() + inputs.totalTimeoutMs,
      fileOf: (index) => (inputs.legacyV1 ? FILES.primaryImage : FILES.image(index)),
      assess: (candidate) =>
        assessImage(candidate.image?.png as Buffer, {
          prompt: inputs.prompt,
          requested: { width: inputs.width, height: inputs.height },
          scorers,
          signal: total.signal,
          logger,
        }),
    })
  } finally {
    total.clear()
    await pool.close()
  }

  const records = slots.map((slot) => slotRecord(slot, inputs.qualityThreshold))
  const generated = records.filter((r) => r.status === 'ok')
  const failures = records.filter((r) => r.status === 'failed')
  const primary = bestOf(generated)
  const primaryIndex = primary ? generated.indexOf(primary) : -1
  const cancelled = context.signal?.aborted ?? false
  const warnings = [
    ...failures.map((f) => ({
      code: f.error?.code ?? 'GEN_001',
      message: `image ${f.index} (${f.model}): ${f.error?.message ?? 'failed'}`,
    })),
    ...(primary && primary.quality && !primary.quality.meets_threshold
      ? [
          {
            code: 'IMG_004',
            message:
              `No image met quality-threshold ${inputs.qualityThreshold}; the best one (image ${primary.index}, ` +
              `score ${primary.quality.overall.toFixed(2)}) is delivered.`,
          },
        ]
      : []),
  ]
  const scorerNote = scorerName
    ? `Prompt alignment and aesthetics are scored by ${scorerName}.`
    : 'Prompt alignment and aesthetics are not measured (no quality-scorer configured); the overall score is the weighted mean of the pixel metrics (technical, artefacts).'
  const report: GenerationReport = {
    schema_version: 1,
    generator: { name: 'kamui-media-actions', version: context.version },
    preview: records.some((r) => r.preview),
    notices: [...(anyPreview ? [PREVIEW_NOTICE] : []), scorerNote],
    request: {
      prompt: prepared.original,
      image_count: inputs.imageCount,
      models: models.map((m) => m.requested),
      auto_selected: autoSelected,
      strategy: inputs.strategy,
      max_parallel: inputs.maxParallel,
      quality_threshold: inputs.qualityThreshold,
      width: inputs.width,
      height: inputs.height,
      base_seed: baseSeed,
      branch_name: inputs.branchName,
    },
    prompt_preparation: prepared.record,
    generation_summary: {
      total_images: records.length,
      successful_generations: generated.length,
      failed_generations: failures.length,
      total_time_ms: Math.round(performance.now() - startedAt),
      average_time_per_image_ms: generated.length
        ? Math.round(generated.reduce((sum, r) => sum + r.timings.total_ms, 0) / generated.length)
        : null,
      primary_image_index: primary ? primaryIndex : null,
      primary_image_number: primary ? primary.index : null,
      primary_selection: PRIMARY_SELECTION,
      cancelled,
    },
    images: records,
    model_comparison: modelComparison(modelSamples(slots)),
    warnings,
  }

  const written = await writeRunFiles({
    folder,
    inputs,
    report,
    analysis: qualityAnalysis(
      slots,
      inputs.qualityThreshold,
      visionScorer ? VISION_SCORER_ALIAS : (scorerEntry?.alias ?? null),
    ),
    slots,
    generated,
    primary,
    redactor: context.redactor,
  })
  await writeImageTelemetry({
    folder,
    stage: inputs.legacyV1 ? 'image-generation' : 'image-generation-v2',
    run,
    endedAt: new Date(),
    slots,
    primary,
    otherFiles: written.filter((file) => file !== FILES.primaryImage),
    redactor: context.redactor,
    cancelled,
  })
  const reportPath = written.includes(FILES.report) ? path.join(folder, FILES.report) : undefined
  for (const warning of warnings) logger.warn(`${warning.code}: ${warning.message}`)
  if (cancelled) {
    throw new KamuiError(
      'RUN_001',
      `The run was cancelled; ${generated.length} image(s) made before that were kept in ${folder}.`,
    )
  }
  if (!primary) throw noImageError(failures)
  return {
    folder,
    images: generated,
    primary,
    primaryIndex,
    report,
    reportPath,
    failures,
    warnings,
    slots,
  }
}

/** The image with the highest overall score; ties go to the lowest image number. */
function bestOf(images: readonly ImageRecord[]): ImageRecord | undefined {
  let best: ImageRecord | undefined
  for (const image of images) {
    if (!best || (image.quality_score ?? -1) > (best.quality_score ?? -1)) best = image
  }
  return best
}

/** The error of a run that made no image: the most frequent code, every reason listed. */
function noImageError(failures: readonly ImageRecord[]): KamuiError {
  const codes = failures.map((f) => f.error?.code ?? 'GEN_001')
  const counts = new Map<string, number>()
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1)
  const code = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'GEN_001'
  const reasons = failures.map(
    (f) => `image ${f.index} (${f.model}): ${f.error?.code}: ${f.error?.message}`,
  )
  return new KamuiError(
    code as KamuiError['code'],
    `No image was generated. ${reasons.join(' | ')}`,
  )
}
