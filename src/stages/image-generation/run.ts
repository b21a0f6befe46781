import { randomInt } from 'node:crypto'
import { deadlineSignal } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { parseMcpConfig } from '../../mcp/config.js'
import { McpPool } from '../../mcp/pool.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import { loadRegistryFile, ModelRegistry } from '../../models/registry.js'
import { GenerationQueue } from '../../queue/generation-queue.js'
import type { ImageGenerationInputs } from './inputs.js'
import { runImageJob } from './image-job.js'
import { planImages } from './plan.js'
import { modelStats, type GenerationReport, type ImageRecord } from './report.js'
import { resolveModels } from './resolve-models.js'
import { modelComparisonMarkdown } from './model-comparison.js'
import {
  FILES,
  writeModelComparison,
  writeReport,
  writeUrlFile,
  writeV2Files,
} from './write-outputs.js'

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
}

const PRIMARY_SELECTION =
  'first generated image (lowest number): quality scoring is not available in this version'
const QUALITY_NOTE = 'not measured: quality scoring is not available in this version'
const PREVIEW_NOTICE =
  'PREVIEW OUTPUT: these images were rendered offline by the preview server (no mcp-config was given ' +
  'or the preview model was chosen). They are placeholders for layout and pipeline tests, not model output.'

/**
 * The image-generation stage (v1 and v2, SPEC §4 and §5): plans N images, runs them on the
 * generation queue through MCP, writes every image as soon as it is made, then the legacy
 * files, the v2 files and the report.
 *
 * Partial failure: the stage returns when at least one image was made (failures are in the
 * result and the report); with none it writes the report and throws the collected reasons.
 * On cancellation (`context.signal`) it writes what it has and the report, then throws RUN_001.
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
  const { logger } = context
  const folder = resolveInWorkspace(context.workspace, inputs.folderName, 'folder-name')
  const registry = await loadRegistry(inputs, context)
  const servers = inputs.mcpConfig
    ? parseMcpConfig(inputs.mcpConfig, { logger, redactor: context.redactor, env: context.env })
    : {}
  const previewMode = inputs.mcpConfig === undefined
  const { models, autoSelected } = resolveModels(
    inputs.models,
    inputs.prompt,
    registry,
    previewMode,
  )
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
  logger.info(
    `Generating ${plan.length} image(s) with ${[...new Set(models.map((m) => m.label))].join(', ')} ` +
      `(${inputs.strategy}, max-parallel ${inputs.strategy === 'sequential' ? 1 : inputs.maxParallel}).`,
  )

  const total = deadlineSignal(
    inputs.totalTimeoutMs,
    'The image-generation step (total-timeout)',
    context.signal,
  )
  const queue = new GenerationQueue({
    maxParallel: inputs.strategy === 'sequential' ? 1 : inputs.maxParallel,
    rateLimitOf: (label) => registry.find(label)?.rateLimit ?? {},
    logger,
    ...(context.retryPolicy ? { retry: context.retryPolicy } : {}),
  })
  const pool = new McpPool(servers, { logger, redactor: context.redactor, env: context.env })
  let records: ImageRecord[]
  try {
    records = await Promise.all(
      plan.map((planned) =>
        runImageJob(planned, {
          inputs,
          folder,
          models,
          registry,
          pool,
          queue,
          signal: total.signal,
          logger,
          ...(context.pollIntervalMs !== undefined
            ? { pollIntervalMs: context.pollIntervalMs }
            : {}),
          file: inputs.legacyV1 ? FILES.primaryImage : FILES.image(planned.index),
          qualityNote: QUALITY_NOTE,
        }),
      ),
    )
  } finally {
    total.clear()
    await pool.close()
  }

  const generated = records.filter((r) => r.status === 'ok')
  const failures = records.filter((r) => r.status === 'failed')
  const primary = generated[0]
  const cancelled = context.signal?.aborted ?? false
  const report: GenerationReport = {
    schema_version: 1,
    generator: { name: 'kamui-media-actions', version: context.version },
    preview: records.some((r) => r.preview),
    notices: [
      ...(anyPreview ? [PREVIEW_NOTICE] : []),
      `Quality scores are ${QUALITY_NOTE}.`,
      ...(inputs.strategy === 'smart'
        ? [
            'Strategy smart ran the images in parallel; regeneration of low-quality images needs quality scoring, which this version does not have.',
          ]
        : []),
    ],
    request: {
      prompt: inputs.prompt,
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
    generation_summary: {
      total_images: records.length,
      successful_generations: generated.length,
      failed_generations: failures.length,
      total_time_ms: Math.round(performance.now() - startedAt),
      average_time_per_image_ms: generated.length
        ? Math.round(generated.reduce((sum, r) => sum + r.timings.total_ms, 0) / generated.length)
        : null,
      primary_image_index: primary ? 0 : null,
      primary_image_number: primary ? primary.index : null,
      primary_selection: PRIMARY_SELECTION,
      cancelled,
    },
    images: records,
    model_comparison: { models: modelStats(records) },
    warnings: failures.map((f) => ({
      code: f.error?.code ?? 'GEN_001',
      message: `image ${f.index} (${f.model}): ${f.error?.message ?? 'failed'}`,
    })),
  }

  let reportPath: string | undefined
  if (!inputs.legacyV1) {
    reportPath = await writeReport(folder, report, context.redactor)
    if (inputs.enableComparison) {
      await writeModelComparison(folder, modelComparisonMarkdown(report), context.redactor)
    }
  }
  if (primary) {
    if (inputs.legacyV1) await writeUrlFile(folder, FILES.primaryUrl, primary.url, context.redactor)
    else await writeV2Files(folder, generated, primary, records.length, context.redactor)
  }
  for (const failure of failures) {
    logger.warn(
      `Image ${failure.index} (${failure.model}) failed: ${failure.error?.code}: ${failure.error?.message}`,
    )
  }
  if (cancelled) {
    throw new KamuiError(
      'RUN_001',
      `The run was cancelled; ${generated.length} image(s) made before that were kept in ${folder}.`,
    )
  }
  if (!primary) throw noImageError(failures)
  return { folder, images: generated, primary, primaryIndex: 0, report, reportPath, failures }
}

async function loadRegistry(
  inputs: ImageGenerationInputs,
  context: StageContext,
): Promise<ModelRegistry> {
  const builtin = ModelRegistry.builtin()
  if (!inputs.modelRegistry) return builtin
  const file = resolveInWorkspace(context.workspace, inputs.modelRegistry, 'model-registry')
  return builtin.with(await loadRegistryFile(file))
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
