import path from 'node:path'
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic-write.js'
import type { StageContext } from '../../core/stage-context.js'
import { resolveInWorkspace } from '../../core/workspace.js'
import { cloudDataScript, VIEWER_MAX_POINTS } from '../../output/web/cloud-data.js'
import { relativeUrl } from '../../output/web/html.js'
import { AUDIO_EXTENSIONS, posixRelative, requireMediaFile } from '../../output/web/media-files.js'
import { readPlyHeader, type PlyHeader } from '../../output/web/ply-header.js'
import { ProvenanceLookup } from '../../output/web/provenance.js'
import { writeViewerAssets } from '../../output/web/site-assets.js'
import { writeSiteTelemetry, type SiteFile } from '../../output/web/site-telemetry.js'
import { renderViewerPage } from '../../output/web/viewer-page.js'
import { finishStage, startStage, type StageStart } from '../stage-tail.js'
import type { ViewerInputs } from './inputs.js'

/** What the threejs-pointcloud-viewer stage returns. */
export interface ViewerResult {
  /** Absolute output folder. */
  folder: string
  /** Absolute path of `{out}/index.html`. */
  page: string
  /** Files written below `{out}/assets/`, relative to it. */
  assets: string[]
  header: PlyHeader
  /** Whether the point cloud is preview output (its telemetry says so). */
  preview: boolean
  /** Whether its depth was guessed by a heuristic (its telemetry says so). */
  heuristic: boolean
}

/** The point data the viewer loads (a classic script, see cloud-data.ts), below assets/. */
const CLOUD_DATA = 'pointcloud-data.js'

/** Names below assets/ that belong to the viewer itself. */
const RESERVED = new Set(['three', 'kamui-viewer.js', CLOUD_DATA])

/**
 * The threejs-pointcloud-viewer stage (legacy interface, SPEC §4): checks the PLY header, copies
 * the PLY (and the music) into `{out}/assets/`, writes there the point data as a classic script
 * (`pointcloud-data.js`, at most 2,000,000 points, see cloud-data.ts) and the viewer bundle
 * (three.js and the viewer in one minified classic script, served from the site: no CDN), so
 * that the page also works opened from the file system, renders `{out}/index.html` from the
 * template, and writes
 * `{out}/metadata/artifact-metadata.json` and the folder's done marker. The PLY's stage folder
 * (when another stage made it) is checked for its done marker first. A PLY that is preview output (per the telemetry of
 * the stage that wrote it) is labelled as such on the page, and so is heuristic depth.
 *
 * @throws KamuiError FS_001 for paths outside the workspace; WEB_001 for a missing or unusable
 *   PLY or music file, or a missing viewer bundle
 */
export async function runViewer(
  inputs: ViewerInputs,
  context: StageContext,
): Promise<ViewerResult> {
  const folder = resolveInWorkspace(context.workspace, inputs.outputFolder, 'output-folder')
  const ply = resolveInWorkspace(context.workspace, inputs.plyFile, 'ply-file-path')
  await requireMediaFile(ply, 'ply-file-path', inputs.plyFile)
  const start = await startStage(context, { file: ply })
  const header = await readPlyHeader(ply)
  const music = await resolveMusic(inputs, context.workspace)

  const assets = await writeAssets(ply, music, path.join(folder, 'assets'), context.workspace)
  const page = path.join(folder, 'index.html')
  const html = viewerPage(inputs, assets, header)
  await finishViewer({ folder, page, html, assets, start, context })
  context.logger.info(
    `Point-cloud viewer written to ${posixRelative(context.workspace, page)} (${header.vertices} points` +
      `${assets.preview ? ', preview output' : ''}).`,
  )
  return {
    folder,
    page,
    assets: assets.files.filter((f) => f.path.startsWith('assets/')).map((f) => f.path.slice(7)),
    header,
    preview: assets.preview,
    heuristic: assets.heuristic,
  }
}

/**
 * The music file's absolute path, checked to be an audio file; undefined without `music-file`.
 *
 * @throws KamuiError FS_001 for a path outside the workspace; WEB_001 for a missing or unusable file
 */
async function resolveMusic(inputs: ViewerInputs, workspace: string): Promise<string | undefined> {
  if (!inputs.musicFile) return undefined
  const music = resolveInWorkspace(workspace, inputs.musicFile, 'music-file')
  await requireMediaFile(music, 'music-file', inputs.musicFile, AUDIO_EXTENSIONS)
  return music
}

/** What {@link writeAssets} wrote below `{out}/assets/`. */
interface ViewerAssets {
  /** The site's files so far (paths relative to `{out}`, all below `assets/`), for the telemetry. */
  files: SiteFile[]
  /** File name of the PLY copy below assets/. */
  plyName: string
  /** File name of the music copy below assets/, undefined without music. */
  musicName: string | undefined
  /** Whether the PLY is preview output (per its provenance). */
  preview: boolean
  /** Whether the PLY's depth was guessed by a heuristic (per its provenance). */
  heuristic: boolean
  /** Key of the cloud in the point data script. */
  key: string
}

/**
 * Copies the PLY (and the music) into `assetsDir` and writes there the point data script and the
 * viewer bundle, in this order.
 *
 * @throws KamuiError WEB_001 for a missing viewer bundle or an unreadable PLY
 */
async function writeAssets(
  ply: string,
  music: string | undefined,
  assetsDir: string,
  workspace: string,
): Promise<ViewerAssets> {
  const lookup = new ProvenanceLookup(workspace)
  const files: SiteFile[] = []
  const copyIn = async (source: string, fallbackName: string): Promise<AssetCopy> => {
    const copy = await copyAsset(source, fallbackName, { assetsDir, workspace, lookup })
    files.push(copy.file)
    return copy
  }
  const plyCopy = await copyIn(ply, 'pointcloud.ply')
  const data = await cloudDataScript(ply, VIEWER_MAX_POINTS)
  await writeFileAtomic(path.join(assetsDir, CLOUD_DATA), data.script)
  files.push({ path: `assets/${CLOUD_DATA}` })
  const musicCopy = music ? await copyIn(music, `music${path.extname(music)}`) : undefined
  const viewerAssets = await writeViewerAssets(assetsDir)
  files.push(...viewerAssets.map((file) => ({ path: `assets/${file}` })))
  const provenance = plyCopy.file.source?.provenance
  return {
    files,
    plyName: plyCopy.name,
    musicName: musicCopy?.name,
    preview: provenance?.preview ?? false,
    heuristic: provenance?.heuristic ?? false,
    key: data.key,
  }
}

/** One file copied by {@link copyAsset}. */
interface AssetCopy {
  /** Its name below assets/. */
  name: string
  /** Its telemetry entry (with the source and the source's provenance). */
  file: SiteFile
}

/**
 * Copies `source` into `assetsDir` under its own name, or under `fallbackName` when its name is
 * one the viewer reserves; a source that already is the target is not copied.
 */
async function copyAsset(
  source: string,
  fallbackName: string,
  where: { assetsDir: string; workspace: string; lookup: ProvenanceLookup },
): Promise<AssetCopy> {
  const base = path.basename(source)
  const name = RESERVED.has(base) ? fallbackName : base
  const target = path.join(where.assetsDir, name)
  const provenance = await where.lookup.of(source)
  if (path.resolve(target) !== path.resolve(source))
    await copyFileAtomic(source, target, { workspace: where.workspace })
  return {
    name,
    file: {
      path: `assets/${name}`,
      source: { path: posixRelative(where.workspace, source), provenance },
    },
  }
}

/**
 * Writes the page (`html` to `page`), then `{out}/metadata/artifact-metadata.json` listing the
 * page and `assets`' files, then the folder's done marker.
 */
async function finishViewer(tail: {
  folder: string
  page: string
  html: string
  assets: ViewerAssets
  start: StageStart
  context: StageContext
}): Promise<void> {
  const { folder, start, context } = tail
  await finishStage({
    folder,
    logger: context.logger,
    doneMarker: start.doneMarker,
    complete: true,
    writeFiles: async () => {
      await writeFileAtomic(tail.page, tail.html)
      return [{ path: 'index.html' }, ...tail.assets.files]
    },
    writeTelemetry: (written, doneMarker) =>
      writeSiteTelemetry({
        folder,
        stage: 'threejs-pointcloud-viewer',
        run: start.run,
        endedAt: new Date(),
        files: written,
        redactor: context.redactor,
        doneMarker,
      }),
  })
}

/** The viewer page for the copied PLY (and music). */
function viewerPage(inputs: ViewerInputs, assets: ViewerAssets, header: PlyHeader): string {
  return renderViewerPage({
    title: inputs.title,
    config: {
      title: inputs.title,
      ply: `assets/${relativeUrl(assets.plyName)}`,
      data: { url: `assets/${CLOUD_DATA}`, key: assets.key },
      background: inputs.backgroundColor,
      cameraPosition: inputs.cameraPosition,
      autoRotate: inputs.autoRotate,
      pointSize: inputs.pointSize,
      animationSpeed: inputs.animationSpeed,
    },
    musicUrl: assets.musicName === undefined ? null : `assets/${relativeUrl(assets.musicName)}`,
    assetBase: 'assets/',
    preview: assets.preview,
    heuristic: assets.heuristic,
    points: header.vertices,
  })
}
