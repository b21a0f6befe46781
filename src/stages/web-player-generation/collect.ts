import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { isInside, resolveInWorkspace } from '../../core/workspace.js'
import type { ImageRecord } from '../../contracts/generation-report.js'
import { ReportViewSchema, type ReportView } from '../../output/web/report-schema.js'
import {
  AUDIO_EXTENSIONS,
  isFile,
  posixRelative,
  requireMediaFile,
  VIDEO_EXTENSIONS,
} from '../../output/web/media-files.js'
import { readPlyHeader, type PlyHeader } from '../../output/web/ply-header.js'
import type { ProvenanceLookup, Provenance } from '../../output/web/provenance.js'
import type { WebPlayerInputs } from './inputs.js'

/** A file the page shows, and where it sits in the site. */
export interface SiteMedia {
  /** Absolute path of the file as found. */
  source: string
  /** Path relative to the run folder (forward slashes): the file itself when it lies in the folder, else its copy under `web/media/`. */
  sitePath: string
  /** Whether the file lies outside the folder and is copied in. */
  copied: boolean
  provenance: Provenance | undefined
}

/** A gallery image with what the report (or the telemetry) says about it. */
export interface CollectedImage {
  media: SiteMedia
  number: number
  /** The report record, or null when there is no report. */
  record: ImageRecord | null
  primary: boolean
}

/** Everything the page will show. */
export interface CollectedMedia {
  report: { data: ReportView; media: SiteMedia } | null
  images: CollectedImage[]
  /** Why the gallery has no models and scores, or null. */
  galleryNote: string | null
  clips: SiteMedia[]
  final: SiteMedia | null
  music: SiteMedia | null
  ply: { media: SiteMedia; header: PlyHeader } | null
}

const REPORT_FILE = 'metadata/generation-report.json'
const FINAL_VIDEO = 'final/final-music-video.mp4'

/**
 * Finds what the web player shows for a run folder: the report and its images (or, without a
 * report, the images in `{folder}/images/`), the videos, the music and the point cloud, each
 * given by input or discovered (see the input descriptions in spec.ts), with its provenance
 * from the telemetry. Files outside the folder are planned as copies under `web/media/`.
 *
 * @throws KamuiError FS_001 for a path outside the workspace; WEB_001 for a given file that is
 *   missing or of the wrong type, or a report that does not satisfy the report schema
 */
export async function collectMedia(
  inputs: WebPlayerInputs,
  folder: string,
  workspace: string,
  lookup: ProvenanceLookup,
  logger: Logger,
): Promise<CollectedMedia> {
  const c: Collector = {
    inputs,
    folder,
    workspace,
    logger,
    place: sitePlacer(folder, lookup),
    resolve: (value, inputName) => resolveInWorkspace(workspace, value, inputName),
  }
  // In page order: `place` numbers copies of files with the same name in call order.
  const found = await collectReport(c)
  const { images, galleryNote } = await collectImages(c, found)
  const { clips, final } = await collectVideos(c)
  const music = await collectMusic(c)
  const ply = await collectPointCloud(c)
  return { report: found?.report ?? null, images, galleryNote, clips, final, music, ply }
}

/** What the collectors share: the inputs, the folders and how files are placed in the site. */
interface Collector {
  inputs: WebPlayerInputs
  /** The run folder (absolute). */
  folder: string
  workspace: string
  logger: Logger
  /** Plans where a file goes in the site (see {@link sitePlacer}). */
  place: (source: string) => Promise<SiteMedia>
  /** Resolves an input's path in the workspace (FS_001 outside it). */
  resolve: (value: string, inputName: string) => string
}

/**
 * Places files in the site: a file inside `folder` keeps its path; one outside goes to
 * `web/media/{name}`, numbered `{stem}-2{ext}`, `-3`, … when the name is taken.
 */
function sitePlacer(folder: string, lookup: ProvenanceLookup): Collector['place'] {
  const usedNames = new Set<string>()
  return async (source) => {
    const inside = isInside(folder, source) && source !== folder
    let sitePath: string
    if (inside) {
      sitePath = posixRelative(folder, source)
    } else {
      const ext = path.extname(source)
      const stem = path.basename(source, ext)
      let name = `${stem}${ext}`
      for (let n = 2; usedNames.has(name); n++) name = `${stem}-${n}${ext}`
      usedNames.add(name)
      sitePath = `web/media/${name}`
    }
    return { source, sitePath, copied: !inside, provenance: await lookup.of(source) }
  }
}

/** The report given by input, or `metadata/generation-report.json` when the folder has one. */
async function collectReport(
  c: Collector,
): Promise<{ report: NonNullable<CollectedMedia['report']>; file: string } | null> {
  const { inputs } = c
  const reportFile = inputs.generationReport
    ? c.resolve(inputs.generationReport, 'generation-report')
    : path.join(c.folder, REPORT_FILE)
  if (!inputs.generationReport && !(await isFile(reportFile))) return null
  await requireMediaFile(reportFile, 'generation-report', inputs.generationReport ?? REPORT_FILE, [
    '.json',
  ])
  return {
    report: { data: await readReport(reportFile), media: await c.place(reportFile) },
    file: reportFile,
  }
}

/**
 * The report's generated images that exist (a missing one is warned about and left out), or
 * without a report those of `images/` (see {@link imagesWithoutReport}).
 */
async function collectImages(
  c: Collector,
  found: Awaited<ReturnType<typeof collectReport>>,
): Promise<Pick<CollectedMedia, 'images' | 'galleryNote'>> {
  if (found === null) {
    const images = await imagesWithoutReport(c.folder, c.place)
    const galleryNote = images.length
      ? 'No generation report was found: models come from the telemetry where it records them, scores were not recorded.'
      : null
    return { images, galleryNote }
  }
  const { report, file: reportFile } = found
  // Report paths are relative to the folder of the report's metadata/ folder.
  const base = path.dirname(path.dirname(reportFile))
  const primaryNumber = report.data.generation_summary.primary_image_number
  const images: CollectedImage[] = []
  for (const record of report.data.images) {
    if (record.status !== 'ok' || record.file === null) continue
    const file = path.resolve(base, record.file)
    if (!isInside(c.workspace, file) || !(await isFile(file))) {
      c.logger.warn(
        `WEB_001: image ${record.index} of the report (${record.file}) is missing; it is left out of the gallery.`,
      )
      continue
    }
    images.push({
      media: await c.place(file),
      number: record.index,
      record,
      primary: record.index === primaryNumber,
    })
  }
  return { images, galleryNote: null }
}

/**
 * The videos given by input (the first `final-music-video*` is the final video, the rest
 * clips), or `videos/*.mp4` in natural order and `final/final-music-video.mp4`.
 */
async function collectVideos(c: Collector): Promise<Pick<CollectedMedia, 'clips' | 'final'>> {
  const clips: SiteMedia[] = []
  let final: SiteMedia | null = null
  if (c.inputs.videoFiles) {
    for (const value of c.inputs.videoFiles) {
      const file = c.resolve(value, 'video-files')
      await requireMediaFile(file, 'video-files', value, VIDEO_EXTENSIONS)
      const media = await c.place(file)
      if (path.basename(file).startsWith('final-music-video') && final === null) final = media
      else clips.push(media)
    }
    return { clips, final }
  }
  const videosDir = path.join(c.folder, 'videos')
  const names = (await readdir(videosDir).catch(() => [] as string[]))
    .filter((n) => path.extname(n).toLowerCase() === '.mp4')
    .sort(naturalCompare)
  for (const name of names) {
    if (await isFile(path.join(videosDir, name)))
      clips.push(await c.place(path.join(videosDir, name)))
  }
  const finalFile = path.join(c.folder, FINAL_VIDEO)
  if (await isFile(finalFile)) final = await c.place(finalFile)
  return { clips, final }
}

/** The music given by input, or the first audio file of `music/` (`generated-music*` first). */
async function collectMusic(c: Collector): Promise<SiteMedia | null> {
  if (c.inputs.musicFile) {
    const file = c.resolve(c.inputs.musicFile, 'music-file')
    await requireMediaFile(file, 'music-file', c.inputs.musicFile, AUDIO_EXTENSIONS)
    return c.place(file)
  }
  const musicDir = path.join(c.folder, 'music')
  const names = (await readdir(musicDir).catch(() => [] as string[]))
    .filter((n) => AUDIO_EXTENSIONS.includes(path.extname(n).toLowerCase()))
    .sort(
      (a, b) =>
        (a.startsWith('generated-music') ? -1 : 0) - (b.startsWith('generated-music') ? -1 : 0) ||
        naturalCompare(a, b),
    )
  for (const name of names) {
    if (await isFile(path.join(musicDir, name))) {
      return c.place(path.join(musicDir, name))
    }
  }
  return null
}

/**
 * The PLY given by input (an unreadable header fails), or `pointcloud.ply` /
 * `pointcloud/pointcloud.ply` in the folder (an unreadable header is warned about and skipped).
 */
async function collectPointCloud(c: Collector): Promise<CollectedMedia['ply']> {
  if (c.inputs.plyFile) {
    const file = c.resolve(c.inputs.plyFile, 'ply-file-path')
    await requireMediaFile(file, 'ply-file-path', c.inputs.plyFile)
    return { header: await readPlyHeader(file), media: await c.place(file) }
  }
  for (const candidate of ['pointcloud.ply', 'pointcloud/pointcloud.ply']) {
    const file = path.join(c.folder, candidate)
    if (!(await isFile(file))) continue
    try {
      return { header: await readPlyHeader(file), media: await c.place(file) }
    } catch (error) {
      c.logger.warn(`${(error as Error).message} The page shows no point cloud.`)
    }
    break
  }
  return null
}

/**
 * Without a report: `images/generated-image-{i}.png` in number order, or the legacy
 * `images/generated-image.png` alone. The primary image is the numbered one whose bytes equal
 * `generated-image.png` (the image stage writes the primary under both names).
 */
async function imagesWithoutReport(
  folder: string,
  place: (file: string) => Promise<SiteMedia>,
): Promise<CollectedImage[]> {
  const dir = path.join(folder, 'images')
  const names = await readdir(dir).catch(() => [] as string[])
  const numbered = names
    .map((name) => ({ name, n: Number(/^generated-image-(\d+)\.png$/.exec(name)?.[1]) }))
    .filter((e) => Number.isInteger(e.n) && e.n > 0)
    .sort((a, b) => a.n - b.n)
  const legacy = path.join(dir, 'generated-image.png')
  const legacyHash = (await isFile(legacy)) ? await sha256(legacy) : undefined
  const images: CollectedImage[] = []
  for (const { name, n } of numbered) {
    const file = path.join(dir, name)
    if (!(await isFile(file))) continue
    const primary = legacyHash !== undefined && (await sha256(file)) === legacyHash
    images.push({ media: await place(file), number: n, record: null, primary })
  }
  if (images.length === 0 && legacyHash !== undefined) {
    images.push({ media: await place(legacy), number: 1, record: null, primary: true })
  }
  return images
}

async function readReport(file: string): Promise<ReportView> {
  let data: unknown
  try {
    data = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new KamuiError(
      'WEB_001',
      `generation-report: ${file} is not valid JSON (${(error as Error).message}).`,
    )
  }
  const parsed = ReportViewSchema.safeParse(data)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new KamuiError(
      'WEB_001',
      `generation-report: ${file} is not an image-generation report (${first ? `${first.path.join('.')}: ${first.message}` : 'schema mismatch'}).`,
    )
  }
  return parsed.data
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex')
}

/** Natural order: `segment-2` before `segment-10`. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true })
}
