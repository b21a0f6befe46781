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
import { finishStage, startStage } from '../stage-tail.js'
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
  const music = inputs.musicFile
    ? resolveInWorkspace(context.workspace, inputs.musicFile, 'music-file')
    : undefined
  if (music && inputs.musicFile) {
    await requireMediaFile(music, 'music-file', inputs.musicFile, AUDIO_EXTENSIONS)
  }

  const assetsDir = path.join(folder, 'assets')
  const lookup = new ProvenanceLookup(context.workspace)
  const files: SiteFile[] = []
  const copyIn = async (source: string, fallbackName: string): Promise<string> => {
    const base = path.basename(source)
    const name = RESERVED.has(base) ? fallbackName : base
    const target = path.join(assetsDir, name)
    const provenance = await lookup.of(source)
    if (path.resolve(target) !== path.resolve(source))
      await copyFileAtomic(source, target, { workspace: context.workspace })
    files.push({
      path: `assets/${name}`,
      source: { path: posixRelative(context.workspace, source), provenance },
    })
    return name
  }
  const plyName = await copyIn(ply, 'pointcloud.ply')
  const plyPreview = files[0]?.source?.provenance?.preview ?? false
  const heuristic = files[0]?.source?.provenance?.heuristic ?? false
  const data = await cloudDataScript(ply, VIEWER_MAX_POINTS)
  await writeFileAtomic(path.join(assetsDir, CLOUD_DATA), data.script)
  files.push({ path: `assets/${CLOUD_DATA}` })
  const musicName = music ? await copyIn(music, `music${path.extname(music)}`) : undefined
  const viewerAssets = await writeViewerAssets(assetsDir)
  files.push(...viewerAssets.map((file) => ({ path: `assets/${file}` })))

  const page = path.join(folder, 'index.html')
  await finishStage({
    folder,
    logger: context.logger,
    doneMarker: start.doneMarker,
    complete: true,
    writeFiles: async () => {
      await writeFileAtomic(
        page,
        viewerPage(inputs, {
          plyName,
          musicName,
          preview: plyPreview,
          heuristic,
          header,
          key: data.key,
        }),
      )
      files.unshift({ path: 'index.html' })
      return files
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
  context.logger.info(
    `Point-cloud viewer written to ${posixRelative(context.workspace, page)} (${header.vertices} points` +
      `${plyPreview ? ', preview output' : ''}).`,
  )
  return {
    folder,
    page,
    assets: files.filter((f) => f.path.startsWith('assets/')).map((f) => f.path.slice(7)),
    header,
    preview: plyPreview,
    heuristic,
  }
}

/** The viewer page for the copied PLY (and music). */
function viewerPage(
  inputs: ViewerInputs,
  page: {
    plyName: string
    musicName: string | undefined
    preview: boolean
    heuristic: boolean
    header: PlyHeader
    /** Key of the cloud in the point data script. */
    key: string
  },
): string {
  const { plyName, musicName, preview, header } = page
  return renderViewerPage({
    title: inputs.title,
    config: {
      title: inputs.title,
      ply: `assets/${relativeUrl(plyName)}`,
      data: { url: `assets/${CLOUD_DATA}`, key: page.key },
      background: inputs.backgroundColor,
      cameraPosition: inputs.cameraPosition,
      autoRotate: inputs.autoRotate,
      pointSize: inputs.pointSize,
      animationSpeed: inputs.animationSpeed,
    },
    musicUrl: musicName === undefined ? null : `assets/${relativeUrl(musicName)}`,
    assetBase: 'assets/',
    preview,
    heuristic: page.heuristic,
    points: header.vertices,
  })
}
