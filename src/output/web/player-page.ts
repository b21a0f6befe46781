import { formatMs, formatScore, truncate } from './format.js'
import { markup, SafeHtml } from './html.js'
import type { ReportView } from './report-schema.js'
import { reportView } from './report-view.js'
import { PLAYER_CSS } from './styles.js'
import { viewerElement, type ViewerConfig } from './viewer-config.js'

/** One image of the gallery. */
export interface GalleryImage {
  /** 1-based image number. */
  number: number
  /** Relative URL from the page (the full image, opened on click). */
  url: string
  /** The gallery's WebP thumbnail (relative URL, px), or null to show the full image. */
  thumb: { url: string; width: number; height: number } | null
  /** Model alias, or null when unknown (no report and no telemetry). */
  model: string | null
  /** Overall quality score 0–1, or null. */
  score: number | null
  /** Why the score is missing, when it is. */
  scoreNote: string | null
  timings: {
    queue_wait_ms: number | null
    generation_ms: number | null
    download_ms: number | null
    total_ms: number | null
  } | null
  resolution: string | null
  primary: boolean
  preview: boolean
}

/** A video or audio file on the page. */
export interface PageMedia {
  /** Relative URL from the page. */
  url: string
  /** File name shown as the caption. */
  label: string
  /** Media type for the `<source>` element. */
  type: string
  preview: boolean
  /** Model alias from the telemetry, or null. */
  model: string | null
}

/** Everything the web player page shows. */
export interface PlayerPageModel {
  concept: string
  /** The run folder as given (shown as text). */
  folderName: string
  executionTime: string
  /** ISO 8601. */
  createdAt: string
  generator: { name: string; version: string }
  images: GalleryImage[]
  /** Why the gallery has no models and scores (no report), or null. */
  galleryNote: string | null
  clips: PageMedia[]
  final: PageMedia | null
  music: PageMedia | null
  pointCloud: {
    config: ViewerConfig
    /** Points in the file. */
    points: number
    /** Points the viewer draws (every `stride`-th of the file's, to keep the page small). */
    shown: number
    stride: number
    preview: boolean
    /** Depth guessed by a heuristic (brightness), not a depth model: labelled HEURISTIC. */
    heuristic: boolean
    model: string | null
  } | null
  report: ReportView | null
  /** Relative URL of the report JSON, or null. */
  reportUrl: string | null
  /** Relative URL of the viewer bundle `kamui-viewer.js` (a classic script: works from `file://`). */
  viewerScript: string
}

/**
 * The web player page (`{folder}/index.markup`): the concept, a preview banner when anything shown
 * is preview output, the image gallery (model, score, timings; primary marked), the final video
 * and the clips, the music player, the point-cloud viewer and the generation report tables.
 * Only relative URLs, so the page works from `{folder}/`, from `docs/{folder}/` and on GitHub
 * Pages. Every text is escaped (see html.ts).
 */
export function renderPlayerPage(model: PlayerPageModel): string {
  return markup`<!doctype html>
    <html lang="en">
      ${pageHead(model)}
      <body>
        ${pageHeader(model)}
        <main>
          ${gallerySection(model)}
          ${videosSection(model)}
          ${musicSection(model)}
          ${pointCloudSection(model)}
          ${reportSection(model)}
        </main>
        <footer>Made by ${model.generator.name} ${model.generator.version} from a template. three.js is served from this site (no CDN); the page also works opened from the file system.</footer>
        ${model.pointCloud ? markup`<script src="${model.viewerScript}"></script>` : ''}
      </body>
    </html>
`.value
}

/** The `<head>`: generator, title and inline styles (no import map: the viewer is a classic script). */
function pageHead(model: PlayerPageModel): SafeHtml {
  const title = `${truncate(model.concept.replace(/\s+/g, ' '), 80)} · kamui web player`
  return markup`<head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <link rel="icon" href="data:," />
        <meta name="generator" content="${model.generator.name} ${model.generator.version}" />
        <title>${title}</title>
        <style>
          ${new SafeHtml(PLAYER_CSS)}
        </style>
      </head>`
}

/** The page header: concept, run metadata, the preview banner and the section links. */
function pageHeader(model: PlayerPageModel): SafeHtml {
  const previewParts = [
    model.images.some((i) => i.preview) ? 'images' : '',
    model.clips.some((c) => c.preview) || model.final?.preview ? 'videos' : '',
    model.music?.preview ? 'music' : '',
    model.pointCloud?.preview ? 'point cloud' : '',
  ].filter((p) => p !== '')
  const sections = [
    ['gallery', 'Images'],
    ['videos', 'Videos'],
    ['music', 'Music'],
    ['pointcloud', 'Point cloud'],
    ['report', 'Generation report'],
  ]
  return markup`<header>
          <h1>kamui web player</h1>
          <p class="concept" id="concept">${model.concept}</p>
          <p class="meta">Run folder <code>${model.folderName}</code> · execution time ${model.executionTime} · page made ${model.createdAt}</p>
          ${
            previewParts.length
              ? markup`<p class="preview-banner" id="preview-banner" role="note"><strong>Preview output.</strong> The ${previewParts.join(', ')} marked PREVIEW on this page were made by the offline preview server (no model credentials were given): placeholders for layout and pipeline tests, not model output.</p>`
              : ''
          }
          ${
            model.pointCloud?.heuristic
              ? markup`<p class="preview-banner" id="heuristic-banner" role="note"><strong>Heuristic depth.</strong> The point cloud marked HEURISTIC has its depth guessed from brightness, not estimated by a depth model.</p>`
              : ''
          }
          <nav>${sections.map(([id, label]) => markup`<a href="#${id}">${label}</a>`)}</nav>
        </header>`
}

/** The image gallery, or a note that the run has no images. */
function gallerySection(model: PlayerPageModel): SafeHtml {
  return markup`<section id="gallery">
            <h2>Images</h2>
            ${model.galleryNote === null ? '' : markup`<p class="meta">${model.galleryNote}</p>`}
            ${
              model.images.length
                ? markup`<ul class="gallery">
                    ${model.images.map(galleryItem)}
                  </ul>`
                : markup`<p class="empty">No images in this run.</p>`
            }
          </section>`
}

/** The final video and the clips, or a note that the run has none. */
function videosSection(model: PlayerPageModel): SafeHtml {
  return markup`<section id="videos">
            <h2>Videos</h2>
            ${
              model.final
                ? markup`<h3>Final video</h3>
                    <div class="final video-card">${videoElement(model.final, 'final-video')}</div>`
                : ''
            }
            ${
              model.clips.length
                ? markup`<h3>Clips</h3>
                    <div class="videos">
                      ${model.clips.map((clip, i) => markup`<div class="video-card">${videoElement(clip, `clip-${i + 1}`)}</div>`)}
                    </div>`
                : ''
            }
            ${model.final || model.clips.length ? '' : markup`<p class="empty">No videos in this run.</p>`}
          </section>`
}

/** The music player, or a note that the run has no music. */
function musicSection(model: PlayerPageModel): SafeHtml {
  return markup`<section id="music">
            <h2>Music</h2>
            ${
              model.music
                ? markup`<audio id="music-player" controls preload="metadata">
                      <source src="${model.music.url}" type="${model.music.type}" />
                    </audio>
                    <p class="meta">${model.music.label}${badges(false, model.music.preview)}</p>`
                : markup`<p class="empty">No music in this run.</p>`
            }
          </section>`
}

/** The point-cloud viewer, or a note that the run has no point cloud. */
function pointCloudSection(model: PlayerPageModel): SafeHtml {
  return markup`<section id="pointcloud" class="pointcloud">
            <h2>Point cloud</h2>
            ${
              model.pointCloud
                ? markup`${viewerElement({
                    id: 'pointcloud-config',
                    config: model.pointCloud.config,
                    extra: markup`<p>${pointCount(model.pointCloud)}${model.pointCloud.model ? ` (${model.pointCloud.model})` : ''}.</p>
                      ${
                        model.pointCloud.preview
                          ? markup`<p class="preview-note">PREVIEW output</p>`
                          : ''
                      }
                      ${
                        model.pointCloud.heuristic
                          ? markup`<p class="preview-note heuristic-note"><span class="badge badge-heuristic">HEURISTIC</span> depth guessed from brightness, not a depth model</p>`
                          : ''
                      }`,
                  })}`
                : markup`<p class="empty">No point cloud in this run.</p>`
            }
          </section>`
}

/** The generation report tables, or a note that the run has none. */
function reportSection(model: PlayerPageModel): SafeHtml {
  return markup`<section id="report">
            <h2>Generation report</h2>
            ${model.report ? reportView(model.report, model.reportUrl) : markup`<p class="empty">No generation report for this run.</p>`}
          </section>`
}

/** "N points in the file" and, for a display copy, how many are drawn. */
function pointCount(cloud: NonNullable<PlayerPageModel['pointCloud']>): string {
  const file = `${cloud.points.toLocaleString('en-US')} points in the file`
  return cloud.stride > 1
    ? `${file}, ${cloud.shown.toLocaleString('en-US')} drawn (one in ${cloud.stride})`
    : file
}

function badges(primary: boolean, preview: boolean): SafeHtml {
  return markup`${primary ? markup` <span class="badge badge-primary">PRIMARY</span>` : ''}${
    preview ? markup` <span class="badge badge-preview">PREVIEW</span>` : ''
  }`
}

function galleryItem(image: GalleryImage): SafeHtml {
  const t = image.timings
  return markup`<li
    class="gallery-item"
    data-image-number="${image.number}"
    data-primary="${image.primary ? 'true' : 'false'}"
    data-preview="${image.preview ? 'true' : 'false'}"
  >
    <figure>
      <a href="${image.url}" title="Open the full image"
        ><img
          src="${image.thumb?.url ?? image.url}"
          ${image.thumb ? markup`width="${image.thumb.width}" height="${image.thumb.height}"` : ''}
          loading="lazy"
          decoding="async"
          alt="Image ${image.number}${image.model ? ` by ${image.model}` : ''}"
      /></a>
      <figcaption>
        <strong>Image ${image.number}</strong>${badges(image.primary, image.preview)}
        <dl>
          <dt>Model</dt>
          <dd>${image.model ?? 'not recorded'}</dd>
          <dt>Score</dt>
          <dd>
            ${image.score === null && image.scoreNote ? image.scoreNote : formatScore(image.score)}
          </dd>
          ${
            image.resolution
              ? markup`<dt>Size</dt>
                  <dd>${image.resolution}</dd>`
              : ''
          }
          ${
            t
              ? markup`<dt>Generation</dt>
                  <dd>${formatMs(t.generation_ms)}</dd>
                  <dt>Total</dt>
                  <dd>${formatMs(t.total_ms)}</dd>
                  <dt>Queue wait</dt>
                  <dd>${formatMs(t.queue_wait_ms)}</dd>`
              : ''
          }
        </dl>
      </figcaption>
    </figure>
  </li>`
}

function videoElement(media: PageMedia, id: string): SafeHtml {
  return markup`<video id="${id}" controls preload="metadata" playsinline>
      <source src="${media.url}" type="${media.type}" />
    </video>
    <p>${media.label}${media.model ? ` · ${media.model}` : ''}${badges(false, media.preview)}</p>`
}
