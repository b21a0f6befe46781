import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import { copyToPages } from '../../output/web/pages-copy.js'
import { KamuiError } from '../../core/errors.js'
import type { StageContext } from '../../core/stage-context.js'
import { isInside, resolveInWorkspace } from '../../core/workspace.js'
import { mediaTypeOf } from '../../output/telemetry/artifacts.js'
import { runInfoFromEnv } from '../../output/telemetry/run-info.js'
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
 * telemetry, then copies the page with everything it shows to `{docs}/{folder}/` (with its own
 * telemetry) and rewrites `{docs}/index.html` listing every run. Preview output is labelled.
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
  const run = context.run ?? runInfoFromEnv(context.env, new Date())
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
  const lookup = new ProvenanceLookup(workspace)
  const media = await collectMedia(inputs, folder, workspace, lookup, logger)
  const all = allMedia(media)
  if (all.length === 0)
    logger.warn(
      `Nothing to show was found in ${inputs.folderName}: the page holds the concept only.`,
    )

  const siteFiles: SiteFile[] = [{ path: 'index.html' }]
  for (const item of all.filter((m) => m.copied)) {
    await copyFileAtomic(item.source, path.join(folder, ...item.sitePath.split('/')), { workspace })
    siteFiles.push({
      path: item.sitePath,
      source: { path: posixRelative(workspace, item.source), provenance: item.provenance },
    })
  }
  const assets = media.ply
    ? await writeViewerAssets(path.join(folder, ...ASSET_DIR.split('/')))
    : []
  siteFiles.push(...assets.map((file) => ({ path: `${ASSET_DIR}/${file}` })))

  const createdAt = new Date().toISOString()
  const page = path.join(folder, 'index.html')
  const model = pageModel(inputs, media, context.version, createdAt)
  await writeFileAtomic(page, renderPlayerPage(model))
  const preview =
    model.images.some((i) => i.preview) ||
    model.clips.some((c) => c.preview) ||
    Boolean(model.final?.preview || model.music?.preview || model.pointCloud?.preview)
  await writeSiteTelemetry({
    folder,
    stage: STAGE,
    run,
    endedAt: new Date(),
    files: siteFiles,
    redactor: context.redactor,
  })

  // The docs copy and index.
  let docsPage: string | undefined
  let runs: DocsRun[] = []
  let pathInSite: string | undefined
  if (docsRoot) {
    const inPlace = isInside(docsRoot, folder)
    const target = inPlace ? folder : path.join(docsRoot, posixRelative(workspace, folder))
    if (!inPlace) {
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
        run,
        endedAt: new Date(),
        files: copies,
        redactor: context.redactor,
      })
    }
    pathInSite = posixRelative(docsRoot, target)
    docsPage = path.join(target, 'index.html')
    runs = await updateDocsIndex(docsRoot, {
      folder: pathInSite,
      title: inputs.concept.replace(/\s+/g, ' ').slice(0, 200),
      created_at: createdAt,
      execution_time: inputs.executionTime,
      preview,
      images: media.images.length,
      videos: media.clips.length + (media.final ? 1 : 0),
      point_cloud: media.ply !== null,
    })
    logger.info(
      `Web player copied to ${posixRelative(workspace, target)}/ and listed in ${posixRelative(workspace, docsRoot)}/index.html (${runs.length} runs).`,
    )
  }
  const repository = context.env['GITHUB_REPOSITORY'] ?? context.run?.repository ?? undefined
  const url =
    (pathInSite !== undefined ? pagesUrl(repository, pathInSite) : undefined) ??
    posixRelative(workspace, page)
  logger.info(
    `Web player written to ${posixRelative(workspace, page)}${preview ? ' (shows preview output)' : ''}.`,
  )
  return { folder, page, docsPage, docsDeployed: docsPage !== undefined, url, media, runs, preview }
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
