import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import type { GenerationReport, ImageRecord } from './report.js'
import { GenerationReportSchema } from './report.js'

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
} as const

/**
 * Writes a URL file as the legacy module did: the URL and a newline (an empty line when the
 * model returned bytes only). `$(cat file)` in a later step yields the bare URL.
 */
export async function writeUrlFile(folder: string, relative: string, url: string | null): Promise<void> {
  await writeFileAtomic(path.join(folder, relative), `${url ?? ''}\n`)
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
): Promise<void> {
  await copyFileAtomic(path.join(folder, primary.file as string), path.join(folder, FILES.primaryImage))
  await writeUrlFile(folder, FILES.primaryUrl, primary.url)
  if (plannedCount > 1) {
    for (const image of generated) await writeUrlFile(folder, FILES.url(image.index), image.url)
  }
  await writeJson(folder, FILES.imageUrls, generated.map((i) => i.url ?? ''))
  await writeJson(folder, FILES.modelsUsed, generated.map((i) => i.model))
  await writeJson(folder, FILES.qualityScores, generated.map((i) => i.quality_score))
}

/** Validates the report against its schema and writes it. */
export async function writeReport(folder: string, report: GenerationReport): Promise<string> {
  const valid = GenerationReportSchema.parse(report)
  const file = path.join(folder, FILES.report)
  await writeFileAtomic(file, `${JSON.stringify(valid, null, 2)}\n`)
  return file
}

async function writeJson(folder: string, relative: string, value: unknown): Promise<void> {
  await writeFileAtomic(path.join(folder, relative), `${JSON.stringify(value, null, 2)}\n`)
}
