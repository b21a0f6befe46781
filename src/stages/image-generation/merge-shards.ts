import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '../../core/atomic-write.js'
import { KamuiError } from '../../core/errors.js'
import type { Redactor } from '../../core/redactor.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import { shardLabel } from '../../contracts/shard-manifest.js'
import type { Artifact } from '../../contracts/telemetry.js'
import { completeStageFolder } from '../../output/handoff/stage-folder.js'
import { provenanceToEmbed } from '../../media/provenance/record.js'
import { renderContactSheet } from '../../output/reports/contact-sheet.js'
import { mergeCostSummaries } from '../../output/shards/costs.js'
import { writeMergedTelemetry } from '../../output/shards/merged-telemetry.js'
import {
  copyFromShard,
  mergeJournals,
  shardTelemetry,
  type FoundShards,
  type ShardFolder,
} from '../../output/shards/shard-folders.js'
import { describeArtifact } from '../../output/telemetry/artifacts.js'
import { bestOf, outcomeWarnings } from './build-report.js'
import { modelComparisonMarkdown } from './model-comparison.js'
import { QualityAnalysisSchema, type QualityAnalysis } from './quality-analysis.js'
import { GenerationReportSchema, modelComparison, type GenerationReport } from './report.js'
import type { ImageRecord } from './report.js'
import type { ImageGenerationResult } from './run.js'
import { IMAGE_SHARD_STAGE } from './shard.js'
import { describePrimaryCopy } from './telemetry.js'
import { FILES, writeModelComparison, writeReport, writeV2Files } from './write-outputs.js'

/** What one shard folder of an image run holds. */
interface ImageShard {
  shard: ShardFolder
  report: GenerationReport
  analysis: QualityAnalysis
  comparison: boolean
}

/** A merge's context: where it writes, how it masks. */
export interface ImageMergeContext {
  /** Absolute merged folder. */
  folder: string
  redactor: Redactor
  /** `embed-provenance` of the merge: provenance in the merged contact sheet (default true). */
  embedProvenance?: boolean
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'))
}

/** @throws KamuiError SHARD_001 when a shard folder lacks its report */
async function readImageShard(shard: ShardFolder): Promise<ImageShard> {
  try {
    const report = GenerationReportSchema.parse(
      await readJson(path.join(shard.folder, FILES.report)),
    )
    const analysis = QualityAnalysisSchema.parse(
      await readJson(path.join(shard.folder, FILES.qualityAnalysis)),
    )
    const comparison = await readFile(path.join(shard.folder, FILES.modelComparison)).then(
      () => true,
      () => false,
    )
    return { shard, report, analysis, comparison }
  } catch (error) {
    throw new KamuiError(
      'SHARD_001',
      `${shard.name} holds no valid ${FILES.report} and ${FILES.qualityAnalysis}: the shard did not ` +
        'get as far as its reports. Re-run it, or merge without it.',
      { cause: error },
    )
  }
}

/**
 * Merges the shard folders of an image-generation-v2 run into `context.folder`, writing what
 * the unsharded run would have written: every image under its global number (shards keep the
 * global numbers, so nothing is renamed) with its candidates, the primary image chosen across
 * all shards by the unsharded rule ({@link bestOf}: highest overall score, ties to the lowest
 * number), the legacy files and the v2 arrays, one generation report (per-shard timings under
 * `shards`; `total_time_ms` is the longest shard's), one quality analysis, one model
 * comparison (when the shards wrote one), one contact sheet, one journal and the telemetry.
 * Nothing in it depends on when or in which order the merge ran.
 *
 * @throws KamuiError SHARD_001 for a shard without reports; the first failure's code when no
 *   shard made any image
 */
export async function mergeImageShards(
  found: FoundShards,
  context: ImageMergeContext,
): Promise<ImageGenerationResult> {
  const { folder, redactor } = context
  const shards = await Promise.all(found.shards.map(readImageShard))
  const records = shards.flatMap((s) => s.report.images).sort((a, b) => a.index - b.index)
  for (const s of shards) await copyShardImages(s, folder)
  const analysis = mergedAnalysis(shards)
  const report = mergedReport(shards, records, analysis, found)
  const generated = records.filter((r) => r.status === 'ok')
  const failures = records.filter((r) => r.status === 'failed')
  const primary = bestOf(generated)
  await writeReport(folder, report, redactor)
  await writeRedactedJson(path.join(folder, FILES.qualityAnalysis), analysis, redactor)
  const written: string[] = [FILES.report, FILES.qualityAnalysis]
  if (shards.some((s) => s.comparison)) {
    await writeModelComparison(folder, modelComparisonMarkdown(report), redactor)
    written.push(FILES.modelComparison)
  }
  const embed = context.embedProvenance !== false
  if (await writeContactSheet(folder, { analysis, primary, report, shards, embed })) {
    written.push(FILES.contactSheet)
  }
  const planned = found.shards[0]?.record.jobs.length ?? records.length
  if (primary) {
    await writeV2Files(folder, generated, primary, planned, redactor)
    written.push(FILES.primaryUrl, FILES.imageUrls, FILES.modelsUsed, FILES.qualityScores)
    if (planned > 1) written.push(...generated.map((r) => FILES.url(r.index)))
  }
  const journal = await mergeJournals(found.shards, folder)
  if (journal) written.push(journal)
  await writeImageTelemetry(shards, { folder, redactor, primary, written })
  if (primary) await completeStageFolder(folder)
  if (!primary) throw noImage(failures, found)
  const primaryIndex = generated.indexOf(primary)
  const reportPath = path.join(folder, FILES.report)
  return {
    folder,
    images: generated,
    primary,
    primaryIndex,
    report,
    reportPath,
    failures,
    warnings: report.warnings,
    slots: [],
  }
}

function noImage(failures: readonly ImageRecord[], found: FoundShards): KamuiError {
  const reasons = failures.map((f) => `image ${f.index}: ${f.error?.code}: ${f.error?.message}`)
  const code = (failures[0]?.error?.code ?? 'SHARD_002') as KamuiError['code']
  return new KamuiError(
    code,
    `No shard made an image (${found.shards.length} of ${found.count} shard folder(s) found). ${reasons.join(' | ')}`,
  )
}

/** Copies every image file a shard's report names (kept images and other candidates). */
async function copyShardImages(s: ImageShard, target: string): Promise<void> {
  const files = new Set<string>()
  for (const image of s.report.images) {
    if (image.file) files.add(image.file)
    for (const c of image.candidates) if (c.file) files.add(c.file)
  }
  for (const file of [...files].sort()) await copyFromShard(s.shard, file, target)
}

function mergedAnalysis(shards: readonly ImageShard[]): QualityAnalysis {
  const first = shards[0]?.analysis as QualityAnalysis
  const candidates = shards
    .flatMap((s) => s.analysis.candidates)
    .sort((a, b) => a.index - b.index || a.attempt - b.attempt)
  return QualityAnalysisSchema.parse({ ...first, candidates })
}

/** The unrounded overall score of a candidate, from the quality analysis. */
function scoreOf(analysis: QualityAnalysis, index: number, attempt: number): number | null {
  return (
    analysis.candidates.find((c) => c.index === index && c.attempt === attempt)?.overall ?? null
  )
}

/** The report of the merged run, built with the unsharded run's rules. */
function mergedReport(
  shards: readonly ImageShard[],
  records: ImageRecord[],
  analysis: QualityAnalysis,
  found: FoundShards,
): GenerationReport {
  // The first shard's report without its own cost and shards (those are the merged run's).
  const { cost: _cost, shards: _shards, ...base } = (shards[0] as ImageShard).report
  const generated = records.filter((r) => r.status === 'ok')
  const failures = records.filter((r) => r.status === 'failed')
  const primary = bestOf(generated)
  const samples = records.flatMap((r) =>
    r.candidates.map((c) => ({
      model: c.model,
      ok: c.status === 'ok',
      generationMs: c.generation_ms,
      score: scoreOf(analysis, r.index, c.attempt),
    })),
  )
  const jobs = shards.map((s) => s.report.generation_summary.jobs)
  const notices = [
    ...new Set(shards.flatMap((s) => s.report.notices.filter((n) => !n.startsWith('Shard ')))),
    `Merged by kamui merge from ${shards.length} of ${found.count} shard(s) ` +
      `(${shards.map((s) => s.shard.name).join(', ')}); total_time_ms is the longest shard's.`,
  ]
  const threshold = base.request.quality_threshold
  return GenerationReportSchema.parse({
    ...base,
    preview: records.some((r) => r.preview),
    notices,
    generation_summary: {
      total_images: records.length,
      successful_generations: generated.length,
      failed_generations: failures.length,
      total_time_ms: Math.max(...shards.map((s) => s.report.generation_summary.total_time_ms)),
      average_time_per_image_ms: generated.length
        ? Math.round(generated.reduce((sum, r) => sum + r.timings.total_ms, 0) / generated.length)
        : null,
      primary_image_index: primary ? generated.indexOf(primary) : null,
      primary_image_number: primary ? primary.index : null,
      primary_selection: base.generation_summary.primary_selection,
      cancelled: shards.some((s) => s.report.generation_summary.cancelled),
      ...(jobs.every((j) => j !== undefined) ? { jobs: sumJobs(jobs) } : {}),
    },
    images: records,
    ...costOf(shards),
    model_comparison: modelComparison(samples),
    warnings: [...outcomeWarnings(failures, primary, threshold), ...found.warnings],
    shards: shards.map((s) => ({
      shard: s.shard.record.shard,
      label: shardLabel({ index: s.shard.record.shard, count: found.count }),
      folder: s.shard.name,
      images: s.report.images.map((i) => i.index),
      successful_generations: s.report.generation_summary.successful_generations,
      failed_generations: s.report.generation_summary.failed_generations,
      total_time_ms: s.report.generation_summary.total_time_ms,
      complete: s.shard.complete,
    })),
  })
}

/** The shards' costs added up (absent when a shard's report has none). */
function costOf(shards: readonly ImageShard[]): Pick<GenerationReport, 'cost'> {
  const cost = mergeCostSummaries(shards.map((s) => s.report.cost))
  return cost ? { cost } : {}
}

type Jobs = NonNullable<GenerationReport['generation_summary']['jobs']>

function sumJobs(jobs: readonly (Jobs | undefined)[]): Jobs {
  const sum: Jobs = { reused: 0, resumed: 0, new: 0, resubmitted: 0 }
  for (const j of jobs) {
    if (!j) continue
    sum.reused += j.reused
    sum.resumed += j.resumed
    sum.new += j.new
    sum.resubmitted += j.resubmitted
  }
  return sum
}

/** What the merged contact sheet is drawn from. */
interface SheetSource {
  analysis: QualityAnalysis
  primary: ImageRecord | undefined
  report: GenerationReport
  shards: readonly ImageShard[]
  embed: boolean
}

/**
 * One contact sheet of every candidate of every shard, with the prompt on top and (with
 * `embed-provenance`) the provenance of the first shard's run; false when there is no candidate.
 */
async function writeContactSheet(folder: string, source: SheetSource): Promise<boolean> {
  const { analysis, primary, report } = source
  if (analysis.candidates.length === 0) return false
  const candidates = await Promise.all(
    analysis.candidates.map(async (c) => ({
      image: await readFile(path.join(folder, c.file)),
      index: c.index,
      attempt: c.attempt,
      model: c.model,
      score: c.overall,
      primary: c.kept && primary?.index === c.index,
      kept: c.kept,
    })),
  )
  const first = source.shards[0]?.shard as ShardFolder
  const { embed } = source
  const runId = (await shardTelemetry(first))?.run.id ?? 'local'
  const sheet = await renderContactSheet(candidates, {
    prompt: report.request.prompt,
    provenance: provenanceToEmbed(
      { embed, stage: IMAGE_SHARD_STAGE, runId },
      {
        model: [...new Set(candidates.map((c) => c.model))].join(', '),
        provider: null,
        algorithmic: false,
        compositeSynthetic: true,
        prompt: report.request.prompt,
      },
    ),
  })
  await writeFileAtomic(path.join(folder, FILES.contactSheet), sheet)
  return true
}

/** What the merged telemetry is written from. */
interface MergedTelemetry {
  folder: string
  redactor: Redactor
  primary: ImageRecord | undefined
  /** Files the merge wrote besides the images, relative. */
  written: readonly string[]
}

/**
 * The merged telemetry: each shard's image artifacts as that shard recorded them (the bytes
 * are the same, so are the hashes), the merged primary copy, the merged reports and files;
 * every shard's errors; the run from the first shard's start to the last shard's end.
 */
async function writeImageTelemetry(
  shards: readonly ImageShard[],
  t: MergedTelemetry,
): Promise<void> {
  const target = {
    stage: IMAGE_SHARD_STAGE,
    folder: t.folder,
    redactor: t.redactor,
    doneMarkerReason: 'merged by kamui merge from shard folders of an image run',
  }
  await writeMergedTelemetry(
    shards.map((s) => s.shard),
    target,
    async (records) => {
      const artifacts: Artifact[] = records
        .flatMap((r) => r.artifacts)
        .filter((a) => a.path.startsWith('images/') && a.path !== FILES.primaryImage)
        .sort((a, b) => a.path.localeCompare(b.path))
      const preview = artifacts.some((a) => a.preview)
      const primary = t.primary
      if (primary?.file) artifacts.push(await describePrimaryCopy(t.folder, primary, primary.file))
      for (const file of t.written) {
        artifacts.push(await describeArtifact(t.folder, file, { preview }))
      }
      return artifacts
    },
  )
}
