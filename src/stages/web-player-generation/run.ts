import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { cloudDataScript, PLAYER_MAX_POINTS } from '../../output/web/cloud-data.js'
import { copyToPages, writeToPages } from '../../output/web/pages-copy.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { isInside, resolveInWorkspace } from '../../core/workspace.js'
import { findJournals } from '../../output/ledger/walk.js'
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
import { writeSharedViewer, writeViewerAssets } from '../../output/web/site-assets.js'
import { writeThumbnail } from '../../output/web/thumbnails.js'
import { isPreviewMusic } from '../../output/web/wav-info.js'
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
  /**
   * Absolute path of the runs page written: `{docs}/index.html`, or `{docs}/kamui-runs.html`
   * when `{docs}/index.html` is a page the suite did not write (it is never overwritten);
   * undefined without docs.
   */
  runsIndex: string | undefined
  /** Whether anything shown is preview output. */
  preview: boolean
}

/** Where the page's own files go, below the run folder. */
const ASSET_DIR = 'web/assets'
/** The gallery's thumbnails, below the run folder. */
const THUMB_DIR = 'web/thumbs'
/** The point data of the viewer (a classic script, see cloud-data.ts), below the run folder. */
const CLOUD_DATA = 'web/pointcloud-data.js'
/** Where the player's camera starts (a direction from the cloud's centre): above and to the right, so that depth shows. */
const PLAYER_CAMERA: [number, number, number] = [32, 22, 100]
const STAGE = 'web-player-generation'

/**
 * The web-player-generation stage (SPEC §4, §6): finds the run's images (with the generation
 * report), videos, music and point cloud, copies files from outside the folder into
 * `{folder}/web/media/`, writes WebP thumbnails (`web/thumbs/`), the point data as a classic
 * script (`web/pointcloud-data.js`, at most 30,000 points) and the viewer bundle (three.js and
 * the viewer in one classic script: `web/assets/kamui-viewer.js`, or the docs site's shared copy
 * when the folder lies in the docs folder), so that the page also works opened from the file
 * system; renders `{folder}/index.html` from the template (every text escaped, only relative
 * URLs), writes the telemetry and the folder's done marker (after checking the done marker of
 * the stages that wrote the folder), then copies the page with everything it shows and the run
 * journals to `{docs}/{folder}/` (with its own telemetry; the page there loads the site's one
 * `{docs}/assets/kamui-viewer-{hash}.js`) and rewrites the runs page with its dashboard:
 * `{docs}/index.html`, or `{docs}/kamui-runs.html` when that index.html was not written by the
 * suite (it is never overwritten). Preview output is labelled PREVIEW (the synthesized preview
 * music by its RIFF INFO chunk), heuristic depth HEURISTIC.
 *
 * The URL is `https://{owner}.github.io/{repo}/{folder}/` when `GITHUB_REPOSITORY` is in the
 * context's env and the docs copy was made; otherwise the page's workspace-relative path.
 *
 * @throws KamuiError FS_001 for paths outside the workspace; WEB_001 for a folder that is the
 *   workspace itself, given files that are missing or of the wrong type, an invalid report, an
 *   image that cannot be made a thumbnail, or a missing viewer bundle
 */
export async function runWebPlayer(
  inputs: WebPlayerInputs,
  context: StageContext,
): Promise<WebPlayerResult> {
  const { workspace, logger } = context
  const folder = resolveRunFolder(inputs, workspace)
  const docsRoot = inputs.docsFolder
    ? resolveInWorkspace(workspace, inputs.docsFolder, 'docs-folder')
    : undefined
  // The run folder's stages (images, video, point cloud) are what the page shows.
  const start = await startStage(context, {
    file: path.join(folder, ...ARTIFACT_METADATA_FILE.split('/')),
  })
  const { media, all, model, createdAt, preview } = await collectPage(inputs, folder, context)
  const page = path.join(folder, 'index.html')
  const inDocs = docsRoot !== undefined && isInside(docsRoot, folder)
  const site: SiteInput = {
    folder,
    all,
    media,
    model,
    page,
    start,
    context,
    docsRoot: inDocs ? docsRoot : undefined,
  }
  const assets = await finishSite(site)
  const docs = docsRoot
    ? await deployToDocs({ ...site, model: assets.model }, docsRoot, assets.assets, {
        createdAt,
        preview,
        inputs,
      })
    : undefined
  const repository = context.env['GITHUB_REPOSITORY'] ?? context.run?.repository ?? undefined
  const url =
    (docs ? pagesUrl(repository, docs.pathInSite) : undefined) ?? posixRelative(workspace, page)
  logger.info(
    `Web player written to ${posixRelative(workspace, page)}${preview ? ' (shows preview output)' : ''}.`,
  )
  const docsPage = docs?.page
  return {
    folder,
    page,
    docsPage,
    docsDeployed: docsPage !== undefined,
    url,
    media,
    runs: docs?.runs ?? [],
    runsIndex: docs?.runsIndex,
    preview,
  }
}

/**
 * The run folder's absolute path (`folder-name`, which may not be the workspace itself).
 *
 * @throws KamuiError FS_001 for a path outside the workspace; WEB_001 for the workspace itself
 */
function resolveRunFolder(inputs: WebPlayerInputs, workspace: string): string {
  const folder = resolveInWorkspace(workspace, inputs.folderName, 'folder-name', {
    allowRoot: true,
  })
  if (path.resolve(folder) === path.resolve(workspace)) {
    throw new KamuiError(
      'WEB_001',
      'folder-name must name a folder below the workspace, not the workspace itself.',
    )
  }
  return folder
}

/** What the page shows, as {@link collectPage} found it. */
interface CollectedPage {
  media: CollectedMedia
  /** Every file the page shows (see {@link allMedia}). */
  all: SiteMedia[]
  /** The page model before the site's files are written (see {@link pageModel}). */
  model: SiteInput['model']
  /** When the page was made, ISO 8601. */
  createdAt: string
  /** Whether anything shown is preview output. */
  preview: boolean
}

/**
 * Collects the run folder's media (see {@link collectMedia}; a warning when there is none) and
 * builds the page model. Music is preview output when its provenance says so or when it is the
 * synthesized preview music (its RIFF INFO chunk).
 *
 * @throws KamuiError WEB_001 as {@link collectMedia} does
 */
async function collectPage(
  inputs: WebPlayerInputs,
  folder: string,
  context: StageContext,
): Promise<CollectedPage> {
  const { workspace, logger } = context
  const lookup = new ProvenanceLookup(workspace)
  const media = await collectMedia(inputs, folder, workspace, lookup, logger)
  const all = allMedia(media)
  if (all.length === 0)
    logger.warn(
      `Nothing to show was found in ${inputs.folderName}: the page holds the concept only.`,
    )
  const createdAt = new Date().toISOString()
  const musicPreview = media.music
    ? (media.music.provenance?.preview ?? false) || (await isPreviewMusic(media.music.source))
    : false
  const model = pageModel(inputs, media, context.version, createdAt, musicPreview)
  const preview =
    model.images.some((i) => i.preview) ||
    model.clips.some((c) => c.preview) ||
    Boolean(model.final?.preview || model.music?.preview || model.pointCloud?.preview)
  return { media, all, model, createdAt, preview }
}

/**
 * Writes the site (see {@link writeSite}), its telemetry and the folder's done marker.
 *
 * @returns what {@link writeSite} returned
 */
async function finishSite(site: SiteInput): Promise<Awaited<ReturnType<typeof writeSite>>> {
  const { folder, start, context } = site
  return finishStage({
    folder,
    logger: context.logger,
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
  /** The docs folder when the run folder lies in it (the page then uses the site's shared viewer). */
  docsRoot: string | undefined
}

/**
 * Copies the media from outside the folder into it, writes the gallery's thumbnails, the point
 * data and the viewer bundle (into `web/assets/`, or once for the docs site when the folder lies
 * in it) and renders the page.
 *
 * @returns the site's files (for the telemetry), the files the page needs besides the media
 *   (paths in the folder) and the page model with them
 */
async function writeSite(
  site: SiteInput,
): Promise<{ files: SiteFile[]; assets: string[]; model: SiteInput['model'] }> {
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
  const assets: string[] = []
  const images = []
  for (const [i, image] of site.media.images.entries()) {
    const thumbPath = `${THUMB_DIR}/image-${image.number}.webp`
    const thumb = await writeThumbnail(
      image.media.source,
      path.join(folder, ...thumbPath.split('/')),
    )
    assets.push(thumbPath)
    const shown = site.model.images[i]
    if (shown) images.push({ ...shown, thumb: { url: relativeUrl(thumbPath), ...thumb } })
  }
  let pointCloud = site.model.pointCloud
  let viewerScript = site.model.viewerScript
  if (site.media.ply && pointCloud) {
    const data = await cloudDataScript(site.media.ply.media.source, PLAYER_MAX_POINTS)
    await writeFileAtomic(path.join(folder, ...CLOUD_DATA.split('/')), data.script)
    assets.push(CLOUD_DATA)
    pointCloud = {
      ...pointCloud,
      config: { ...pointCloud.config, data: { url: relativeUrl(CLOUD_DATA), key: data.key } },
      shown: data.points,
      stride: data.stride,
    }
    if (site.docsRoot) {
      viewerScript = await sharedViewerUrl(site.docsRoot, folder)
    } else {
      const written = await writeViewerAssets(path.join(folder, ...ASSET_DIR.split('/')))
      assets.push(...written.map((file) => `${ASSET_DIR}/${file}`))
      viewerScript = relativeUrl(`${ASSET_DIR}/${written[0] ?? ''}`)
    }
  }
  files.push(...assets.map((file) => ({ path: file })))
  const model = { ...site.model, images, pointCloud, viewerScript }
  await writeFileAtomic(site.page, renderPlayerPage(model))
  return { files, assets, model }
}

/** Writes the docs site's one viewer bundle (see writeSharedViewer) and returns its URL from `pageFolder`. */
async function sharedViewerUrl(docsRoot: string, pageFolder: string): Promise<string> {
  const shared = await writeSharedViewer(docsRoot)
  return relativeUrl(posixRelative(pageFolder, path.join(docsRoot, ...shared.path.split('/'))))
}

/**
 * Copies the page with everything it shows to `{docs}/{folder}/` (with its own telemetry),
 * unless the folder already is in the docs folder, and rewrites the docs site's runs page.
 */
async function deployToDocs(
  site: SiteInput,
  docsRoot: string,
  assets: readonly string[],
  listing: { createdAt: string; preview: boolean; inputs: WebPlayerInputs },
): Promise<{ page: string; pathInSite: string; runs: DocsRun[]; runsIndex: string }> {
  const { folder, context, media } = site
  const { workspace } = context
  const inPlace = isInside(docsRoot, folder)
  const target = inPlace ? folder : path.join(docsRoot, posixRelative(workspace, folder))
  if (!inPlace) await copySite(site, docsRoot, target, assets)
  const pathInSite = posixRelative(docsRoot, target)
  const index = await updateDocsIndex(docsRoot, {
    folder: pathInSite,
    title: listing.inputs.concept.replace(/\s+/g, ' ').slice(0, 200),
    created_at: listing.createdAt,
    execution_time: listing.inputs.executionTime,
    preview: listing.preview,
    images: media.images.length,
    videos: media.clips.length + (media.final ? 1 : 0),
    point_cloud: media.ply !== null,
  })
  const runsPage = posixRelative(workspace, index.file)
  context.logger.info(
    `Web player ${inPlace ? 'is in' : `copied to ${posixRelative(workspace, target)}/ in`} the docs folder; ` +
      `the runs page is ${runsPage} (${index.runs.length} runs)` +
      (index.kept
        ? `: ${posixRelative(workspace, path.join(docsRoot, 'index.html'))} was not written by kamui and is left as it is.`
        : '.'),
  )
  return {
    page: path.join(target, 'index.html'),
    pathInSite,
    runs: index.runs,
    runsIndex: index.file,
  }
}

/**
 * The docs copy of the site, with its own telemetry: the media, thumbnails, point data and the
 * run journals (`metadata/journal.jsonl` of the folder and its stage folders, for the runs
 * page's figures) are copied; the page is rendered again to load the docs site's one viewer bundle
 * (`{docs}/assets/kamui-viewer-{hash}.js`) instead of a copy per run.
 */
async function copySite(
  site: SiteInput,
  docsRoot: string,
  target: string,
  assets: readonly string[],
): Promise<void> {
  const { folder, context, all } = site
  const { workspace } = context
  const options = { workspace, redactor: context.redactor }
  const copies: SiteFile[] = []
  // The run journals go along: the runs page draws its figures from the journals under docs/.
  const journals = (await findJournals(folder)).map((file) => posixRelative(folder, file))
  const sitePaths = [
    ...assets.filter((file) => !file.startsWith(`${ASSET_DIR}/`)),
    ...all.map((m) => m.sitePath),
    ...journals,
  ]
  for (const sitePath of new Set(sitePaths)) {
    const from = path.join(folder, ...sitePath.split('/'))
    await copyToPages(from, path.join(target, ...sitePath.split('/')), options)
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
  const viewerScript = site.model.pointCloud
    ? await sharedViewerUrl(docsRoot, target)
    : site.model.viewerScript
  await writeToPages(
    renderPlayerPage({ ...site.model, viewerScript }),
    path.join(target, 'index.html'),
    options,
  )
  copies.unshift({ path: 'index.html' })
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

/**
 * The page model before the site's files are written (thumbnails, point data and the viewer's
 * URL are filled in by writeSite).
 */
function pageModel(
  inputs: WebPlayerInputs,
  media: CollectedMedia,
  version: string,
  createdAt: string,
  musicPreview: boolean,
): Parameters<typeof renderPlayerPage>[0] {
  const images: GalleryImage[] = media.images.map((image) => {
    const record = image.record
    return {
      number: image.number,
      url: relativeUrl(image.media.sitePath),
      thumb: null,
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
    music: media.music ? { ...pageMedia(media.music), preview: musicPreview } : null,
    pointCloud: media.ply
      ? {
          config: {
            title: 'Point cloud',
            ply: relativeUrl(media.ply.media.sitePath),
            data: { url: relativeUrl(CLOUD_DATA), key: '' },
            background: '#1a1a1a',
            cameraPosition: PLAYER_CAMERA,
            autoRotate: false,
            pointSize: 1,
            animationSpeed: 1,
          },
          points: media.ply.header.vertices,
          shown: media.ply.header.vertices,
          stride: 1,
          preview: media.ply.media.provenance?.preview ?? false,
          heuristic: media.ply.media.provenance?.heuristic ?? false,
          model: media.ply.media.provenance?.model ?? null,
        }
      : null,
    report: media.report?.data ?? null,
    reportUrl: media.report ? relativeUrl(media.report.media.sitePath) : null,
    viewerScript: '',
  }
}
