import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { copyToPages } from '../../output/web/pages-copy.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { isInside, resolveInWorkspace } from '../../core/workspace.js'
import { mediaTypeOf } from '../../output/telemetry/artifacts.js'
import { updateDocsIndex, type DocsRun } from '../../output/web/docs-index.js'
import { relativeUrl } from '../../output/web/html.js'
import { posixRelative } from '../../output/web/media-files.js'
import {
  renderPlayerPage,
  type GalleryImage,
  type PageMedia,
} from '../../output/web/player-page.js'
import { ProvenanceLookup } from '../../output/web/provenance.js'
import { writeViewerAssets } from '../../output/web/site-assets.js'
import { writeSiteTelemetry, type SiteFile } from '../../output/web/site-telemetry.js'
import { ARTIFACT_METADATA_FILE } from '../../contracts/telemetry.js'
import { finishStage, startStage, type StageStart } from '../stage-tail.js'
import { collectMedia, type CollectedMedia, type SiteMedia } from './collect.js'
import type { WebPlayerInputs } from './inputs.js'
import { pagesUrl } from './pages-url.js'

/** What the web-player-generation stage returns. */
export interface WebPlayerResult {
  /** Absolute run folder. */
  folder: string
  /** Absolute path of `{folder}/index.html`. */
  page: string
  /** Absolute path of the page in the docs folder, or undefined when not deployed there. */
  docsPage: string | undefined
  docsDeployed: boolean
  /** Pages URL on GitHub Actions, else the page's workspace-relative path. */
  url: string
  media: CollectedMedia
  /** Every run listed in the docs index after this one was added (empty without docs). */
  runs: DocsRun[]
  /** Whether anything shown is preview output. */
  preview: boolean
}

/** Where the page's own files go, below the run folder. */
const ASSET_DIR = 'web/assets'
const STAGE = 'web-player-generation'

/**
 * The web-player-generation stage (SPEC §4, §6): finds the run's images (with the generation
 * report), videos, music and point cloud, copies files from outside the folder into
 * `{folder}/web/media/`, writes three.js and the viewer script to `{folder}/web/assets/`, renders
 * `{folder}/index.html` from the template (every text escaped, only relative URLs), writes the
 * telemetry and the folder's done marker (after checking the done marker of the stages that
 * wrote the folder), then copies the page with everything it shows to `{docs}/{folder}/` (with
 * its own telemetry) and rewrites `{docs}/index.html` listing every run. Preview output is
 * labelled.
 *
 * The URL is `https://{owner}.github.io/{repo}/{folder}/` when `GITHUB_REPOSITORY` is in the
 * context's env and the docs copy was made; otherwise the page's workspace-relative path.
 *
 * @throws KamuiError FS_001 for paths outside the workspace; WEB_001 for a folder that is the
 *   workspace itself, given files that are missing or of the wrong type, an invalid report, or
 *   missing three.js files
 */
export async function runWebPlayer(
  inputs: WebPlayerInputs,
  context: StageContext,
): Promise<WebPlayerResult> {
  const { workspace, logger } = context
  const folder = resolveInWorkspace(workspace, inputs.folderName, 'folder-name', {
    allowRoot: true,
  })
  if (path.resolve(folder) === path.resolve(workspace)) {
    throw new KamuiError(
      'WEB_001',
      'folder-name must name a folder below the workspace, not the workspace itself.',
    )
  }
  const docsRoot = inputs.docsFolder
    ? resolveInWorkspace(workspace, inputs.docsFolder, 'docs-folder')
    : undefined
  // The run folder's stages (images, video, point cloud) are what the page shows.
  const start = await startStage(context, {
    file: path.join(folder, ...ARTIFACT_METADATA_FILE.split('/')),
  })
  const lookup = new ProvenanceLookup(workspace)
  const media = await collectMedia(inputs, folder, workspace, lookup, logger)
  const all = allMedia(media)
  if (all.length === 0)
    logger.warn(
      `Nothing to show was found in ${inputs.folderName}: the page holds the concept only.`,
    )
  const createdAt = new Date().toISOString()
  const model = pageModel(inputs, media, context.version, createdAt)
  const preview =
    model.images.some((i) => i.preview) ||
    model.clips.some((c) => c.preview) ||
    Boolean(model.final?.preview || model.music?.preview || model.pointCloud?.preview)
  const page = path.join(folder, 'index.html')
  const site = { folder, all, media, model, page, start, context }
  const assets = await finishStage({
    folder,
    logger,
    doneMarker: start.doneMarker,
    complete: true,
    writeFiles: () => writeSite(site),
    writeTelemetry: ({ files }, doneMarker) =>
      writeSiteTelemetry({
        folder,
        stage: STAGE,
        run: start.run,
        endedAt: new Date(),
        files,
        redactor: context.redactor,
        doneMarker,
      }),
  })
  const docs = docsRoot
    ? await deployToDocs(site, docsRoot, assets.assets, { createdAt, preview, inputs })
    : undefined
  const repository = context.env['GITHUB_REPOSITORY'] ?? context.run?.repository ?? undefined
  const url =
    (docs ? pagesUrl(repository, docs.pathInSite) : undefined) ?? posixRelative(workspace, page)
  logger.info(
    `Web player written to ${posixRelative(workspace, page)}${preview ? ' (shows preview output)' : ''}.`,
  )
  const docsPage = docs?.page
  const runs = docs?.runs ?? []
  return { folder, page, docsPage, docsDeployed: docsPage !== undefined, url, media, runs, preview }
}

/** What the site is written from. */
interface SiteInput {
  folder: string
  all: SiteMedia[]
  media: CollectedMedia
  model: Parameters<typeof renderPlayerPage>[0]
  page: string
  start: StageStart
  context: StageContext
}

/**
 * Copies the media from outside the folder into it, writes three.js and the viewer script
 * (when there is a point cloud) and renders the page.
 *
 * @returns the site's files (for the telemetry) and the asset files written
 */
async function writeSite(site: SiteInput): Promise<{ files: SiteFile[]; assets: string[] }> {
  const { folder, context } = site
  const { workspace } = context
  const files: SiteFile[] = [{ path: 'index.html' }]
  for (const item of site.all.filter((m) => m.copied)) {
    await copyFileAtomic(item.source, path.join(folder, ...item.sitePath.split('/')), { workspace })
    files.push({
      path: item.sitePath,
      source: { path: posixRelative(workspace, item.source), provenance: item.provenance },
    })
  }
  const assets = site.media.ply
    ? await writeViewerAssets(path.join(folder, ...ASSET_DIR.split('/')))
    : []
  files.push(...assets.map((file) => ({ path: `${ASSET_DIR}/${file}` })))
  await writeFileAtomic(site.page, renderPlayerPage(site.model))
  return { files, assets }
}

/**
 * Copies the page with everything it shows to `{docs}/{folder}/` (with its own telemetry),
 * unless the folder already is in the docs folder, and rewrites `{docs}/index.html`.
 */
async function deployToDocs(
  site: SiteInput,
  docsRoot: string,
  assets: readonly string[],
  listing: { createdAt: string; preview: boolean; inputs: WebPlayerInputs },
): Promise<{ page: string; pathInSite: string; runs: DocsRun[] }> {
  const { folder, context, media } = site
  const { workspace } = context
  const inPlace = isInside(docsRoot, folder)
  const target = inPlace ? folder : path.join(docsRoot, posixRelative(workspace, folder))
  if (!inPlace) await copySite(site, target, assets)
  const pathInSite = posixRelative(docsRoot, target)
  const runs = await updateDocsIndex(docsRoot, {
    folder: pathInSite,
    title: listing.inputs.concept.replace(/\s+/g, ' ').slice(0, 200),
    created_at: listing.createdAt,
    execution_time: listing.inputs.executionTime,
    preview: listing.preview,
    images: media.images.length,
    videos: media.clips.length + (media.final ? 1 : 0),
    point_cloud: media.ply !== null,
  })
  context.logger.info(
    `Web player copied to ${posixRelative(workspace, target)}/ and listed in ${posixRelative(workspace, docsRoot)}/index.html (${runs.length} runs).`,
  )
  return { page: path.join(target, 'index.html'), pathInSite, runs }
}

/** The docs copy of the site, with its own telemetry. */
async function copySite(site: SiteInput, target: string, assets: readonly string[]): Promise<void> {
  const { folder, context, all } = site
  const { workspace } = context
  const copies: SiteFile[] = []
  const sitePaths = [
    'index.html',
    ...assets.map((file) => `${ASSET_DIR}/${file}`),
    ...all.map((m) => m.sitePath),
  ]
  for (const sitePath of new Set(sitePaths)) {
    const from = path.join(folder, ...sitePath.split('/'))
    await copyToPages(from, path.join(target, ...sitePath.split('/')), {
      workspace,
      redactor: context.redactor,
    })
    const item = all.find((m) => m.sitePath === sitePath)
    copies.push(
      item
        ? {
            path: sitePath,
            source: { path: posixRelative(workspace, from), provenance: item.provenance },
          }
        : { path: sitePath },
    )
  }
  await writeSiteTelemetry({
    folder: target,
    stage: STAGE,
    run: site.start.run,
    endedAt: new Date(),
    files: copies,
    redactor: context.redactor,
    doneMarker: site.start.doneMarker,
  })
}

function allMedia(media: CollectedMedia): SiteMedia[] {
  return [
    ...(media.report ? [media.report.media] : []),
    ...media.images.map((i) => i.media),
    ...media.clips,
    ...(media.final ? [media.final] : []),
    ...(media.music ? [media.music] : []),
    ...(media.ply ? [media.ply.media] : []),
  ]
}

function pageMedia(item: SiteMedia): PageMedia {
  return {
    url: relativeUrl(item.sitePath),
    label: path.basename(item.source),
    type: mediaTypeOf(item.source),
    preview: item.provenance?.preview ?? false,
    model: item.provenance?.model ?? null,
  }
}

function pageModel(
  inputs: WebPlayerInputs,
  media: CollectedMedia,
  version: string,
  createdAt: string,
): Parameters<typeof renderPlayerPage>[0] {
  const images: GalleryImage[] = media.images.map((image) => {
    const record = image.record
    return {
      number: image.number,
      url: relativeUrl(image.media.sitePath),
      model: record?.model ?? image.media.provenance?.model ?? null,
      score: record?.quality_score ?? null,
      scoreNote: record ? record.quality_note : 'not recorded (no generation report)',
      timings: record?.timings ?? null,
      resolution: record?.resolution ?? null,
      primary: image.primary,
      preview: record?.preview ?? image.media.provenance?.preview ?? false,
    }
  })
  return {
    concept: inputs.concept,
    folderName: inputs.folderName,
    executionTime: inputs.executionTime,
    createdAt,
    generator: { name: 'kamui-media-actions', version },
    images,
    galleryNote: media.galleryNote,
    clips: media.clips.map(pageMedia),
    final: media.final ? pageMedia(media.final) : null,
    music: media.music ? pageMedia(media.music) : null,
    pointCloud: media.ply
      ? {
          config: {
            title: 'Point cloud',
            ply: relativeUrl(media.ply.media.sitePath),
            background: '#1a1a1a',
            cameraPosition: [0, 0, 100],
            autoRotate: false,
            pointSize: 1,
            animationSpeed: 1,
          },
          points: media.ply.header.vertices,
          preview: media.ply.media.provenance?.preview ?? false,
          model: media.ply.media.provenance?.model ?? null,
        }
      : null,
    report: media.report?.data ?? null,
    reportUrl: media.report ? relativeUrl(media.report.media.sitePath) : null,
    assetBase: `${ASSET_DIR}/`,
  }
}
