import { markup, relativeUrl, SafeHtml } from './html.js'
import { VIEWER_PAGE_CSS } from './styles.js'
import { VIEWER_BUNDLE_FILE } from './viewer-bundle.js'
import { viewerElement, type ViewerConfig } from './viewer-config.js'

/** What the standalone viewer page shows. */
export interface ViewerPageModel {
  title: string
  config: ViewerConfig
  /** Relative URL of the music file, or null. */
  musicUrl: string | null
  /** Relative path (from the page) of the folder holding `kamui-viewer.js`, ending in `/`. */
  assetBase: string
  /** Whether the point cloud is preview output (a notice is shown). */
  preview: boolean
  /** Whether its depth was guessed by a heuristic, not a depth model (labelled HEURISTIC). */
  heuristic: boolean
  /** Point count and colour from the PLY header, shown before the viewer has loaded. */
  points: number
}

/**
 * The standalone point-cloud viewer page (`{out}/index.markup` of threejs-pointcloud-viewer): the
 * viewer fills the window, with a control panel (title, status, auto-rotate, point size, reset,
 * optional looped music, preview and heuristic notices). The viewer bundle (three.js and the
 * viewer, one classic script) loads from `assetBase`, so the page also works opened from the file
 * system; every text is escaped.
 */
export function renderViewerPage(model: ViewerPageModel): string {
  const base = relativeUrl(model.assetBase.replace(/\/$/, '')) + '/'
  const extra: SafeHtml = markup`${
    model.musicUrl === null
      ? ''
      : markup`<p>Music (loops)</p>
            <audio controls loop preload="none" src="${model.musicUrl}"></audio>`
  }${
    model.preview
      ? markup`<p class="preview-note">
            Preview output: this point cloud was made by the offline preview server (a placeholder,
            not a depth model's output).
          </p>`
      : ''
  }${
    model.heuristic
      ? markup`<p class="preview-note heuristic-note">
            <span class="badge-heuristic">HEURISTIC</span> depth: guessed from brightness, not a
            depth model's estimate.
          </p>`
      : ''
  }
    <p>
      ${model.points.toLocaleString('en-US')} points in the file. Drag to orbit, scroll to zoom,
      right-drag to pan.
    </p>`
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <title>${model.title}</title>
        <style>
          ${new SafeHtml(VIEWER_PAGE_CSS)}
        </style>
      </head>
      <body style="background:${model.config.background}">
        <main class="viewer-page">
          ${viewerElement({ id: 'viewer-config', config: model.config, heading: model.title, extra })}
        </main>
        <script src="${base}${VIEWER_BUNDLE_FILE}"></script>
      </body>
    </html>
`.value
}
