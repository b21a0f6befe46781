import path from 'node:path'
import type { Redactor } from '../../core/redactor.js'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { writeRedactedJson } from '../../core/redacted-json.js'
import { outputUrl } from '../../core/url.js'
import { renderContactSheet } from '../../output/reports/contact-sheet.js'
import { provenanceToEmbed } from '../../media/provenance/record.js'
import type { ImageGenerationInputs } from './inputs.js'
import { modelComparisonMarkdown } from './model-comparison.js'
import { QualityAnalysisSchema, type QualityAnalysis } from './quality-analysis.js'
import type { GenerationReport, ImageRecord } from './report.js'
import { GenerationReportSchema } from './report.js'
import type { Slot } from './strategies.js'

/** Paths of the files of SPEC §4/§5, relative to `{folder}`. */
export const FILES = {
  primaryImage: 'images/generated-image.png',
  image: (index: number): string => `images/generated-image-${index}.png`,
  primaryUrl: 'google-image-url.txt',
  url: (index: number): string => `google-image-url-${index}.txt`,
  imageUrls: 'image-urls.json',
  modelsUsed: 'models-used.json',
  qualityScores: 'quality-scores.json',
  report: 'metadata/generation-report.json',
  modelComparison: 'metadata/model-comparison.md',
  qualityAnalysis: 'metadata/quality-analysis.json',
  contactSheet: 'metadata/contact-sheet.png',
} as const

/**
 * Writes a URL file as the legacy module did: the URL and a newline (an empty line when the
 * model returned bytes only). `$(cat file)` in a later step yields the bare URL. The URL is
 * written as data (`outputUrl`: one line, http(s) re-serialised, or a `preview://`
 * identifier) and secrets are masked in it.
 *
 * @throws KamuiError URL_001 when the URL is not a single-line http(s) URL or preview identifier
 */
export async function writeUrlFile(
  folder: string,
  relative: string,
  url: string | null,
  redactor: Redactor,
): Promise<void> {
  await writeFileAtomic(
    path.join(folder, relative),
    `${redactor.redact(outputUrl(url, relative))}\n`,
  )
}

/**
 * Writes the v2 files for the generated images (`ok` records, in image order): the primary
 * image under its legacy name, the URL files, the JSON arrays. Every write is atomic.
 */
export async function writeV2Files(
  folder: string,
  generated: readonly ImageRecord[],
  primary: ImageRecord,
  plannedCount: number,
  redactor: Redactor,
): Promise<void> {
  await copyFileAtomic(
    path.join(folder, primary.file as string),
    path.join(folder, FILES.primaryImage),
  )
  await writeUrlFile(folder, FILES.primaryUrl, primary.url, redactor)
  if (plannedCount > 1) {
    for (const image of generated)
      await writeUrlFile(folder, FILES.url(image.index), image.url, redactor)
  }
  await writeJson(
    folder,
    FILES.imageUrls,
    generated.map((i) => outputUrl(i.url, FILES.imageUrls)),
    redactor,
  )
  await writeJson(
    folder,
    FILES.modelsUsed,
    generated.map((i) => i.model),
    redactor,
  )
  await writeJson(
    folder,
    FILES.qualityScores,
    generated.map((i) => i.quality_score),
    redactor,
  )
}

/** Validates the report against its schema and writes it (secrets redacted). */
export async function writeReport(
  folder: string,
  report: GenerationReport,
  redactor: Redactor,
): Promise<string> {
  const valid = GenerationReportSchema.parse(report)
  const file = path.join(folder, FILES.report)
  await writeJson(folder, FILES.report, valid, redactor)
  return file
}

/** Writes `metadata/model-comparison.md` (secrets redacted). */
export async function writeModelComparison(
  folder: string,
  markdown: string,
  redactor: Redactor,
): Promise<void> {
  await writeFileAtomic(path.join(folder, FILES.modelComparison), redactor.redact(markdown))
}

/** {@link writeRedactedJson} of `value` to `{folder}/{relative}`. */
async function writeJson(
  folder: string,
  relative: string,
  value: unknown,
  redactor: Redactor,
): Promise<void> {
  await writeRedactedJson(path.join(folder, relative), value, redactor)
}

/** Everything {@link writeRunFiles} writes from. */
export interface RunFiles {
  folder: string
  inputs: ImageGenerationInputs
  report: GenerationReport
  analysis: QualityAnalysis
  slots: readonly Slot[]
  /** Generated images in image order. */
  generated: readonly ImageRecord[]
  primary: ImageRecord | undefined
  redactor: Redactor
  /** The run id, for the provenance embedded in the contact sheet (absent: none embedded). */
  runId?: string
}

/**
 * Writes the files of a run after its images: v1 only the legacy URL file; v2 the report,
 * the quality analysis, the contact sheet, the model comparison (when enabled) and, when at
 * least one image was made, the primary image, the URL files and the JSON arrays.
 *
 * @returns the files written, relative to the folder
 */
export async function writeRunFiles(run: RunFiles): Promise<string[]> {
  const { folder, inputs, report, redactor, primary } = run
  const written: string[] = []
  if (inputs.legacyV1) {
    if (primary) {
      await writeUrlFile(folder, FILES.primaryUrl, primary.url, redactor)
      written.push(FILES.primaryUrl)
    }
    return written
  }
  // Rendered (libvips threads) while the JSON files are written.
  const contactSheet = writeContactSheet(run)
  contactSheet.catch(() => undefined) // awaited below; a failure there is the run's failure
  await writeReport(folder, report, redactor)
  await writeJson(
    folder,
    FILES.qualityAnalysis,
    QualityAnalysisSchema.parse(run.analysis),
    redactor,
  )
  written.push(FILES.report, FILES.qualityAnalysis)
  if (inputs.enableComparison) {
    await writeModelComparison(folder, modelComparisonMarkdown(report), redactor)
    written.push(FILES.modelComparison)
  }
  if (await contactSheet) written.push(FILES.contactSheet)
  if (primary) {
    const planned = report.images.length
    await writeV2Files(folder, run.generated, primary, planned, redactor)
    written.push(
      FILES.primaryImage,
      FILES.primaryUrl,
      FILES.imageUrls,
      FILES.modelsUsed,
      FILES.qualityScores,
    )
    if (planned > 1) written.push(...run.generated.map((r) => FILES.url(r.index)))
  }
  return written
}

/**
 * Renders the contact sheet of every candidate made (masked prompt, provenance of a composite)
 * and writes it atomically to `metadata/contact-sheet.png`.
 *
 * @returns whether a sheet was written (false when no candidate has an image)
 */
async function writeContactSheet(run: RunFiles): Promise<boolean> {
  const { folder, inputs, report, redactor, primary } = run
  const candidates = run.slots.flatMap((slot) =>
    slot.candidates
      .filter((c) => c.image)
      .map((c) => ({
        image: c.image?.png as Buffer,
        index: c.index,
        attempt: c.attempt,
        model: c.model.label,
        score: c.quality?.overall ?? null,
        primary: primary !== undefined && c === slot.kept && slot.planned.index === primary.index,
        kept: c === slot.kept,
      })),
  )
  if (candidates.length === 0) return false
  await writeFileAtomic(
    path.join(folder, FILES.contactSheet),
    await renderContactSheet(candidates, {
      // Drawn as pixels: masked like every text the run writes.
      prompt: redactor.redact(report.request.prompt),
      provenance: provenanceToEmbed(
        run.runId === undefined
          ? undefined
          : {
              embed: inputs.embedProvenance !== false,
              stage: 'image-generation-v2',
              runId: run.runId,
              redact: (text) => redactor.redact(text),
            },
        {
          model: [...new Set(candidates.map((c) => c.model))].join(', '),
          provider: null,
          algorithmic: false,
          compositeSynthetic: true,
          prompt: report.request.prompt,
        },
      ),
    }),
  )
  return true
}
