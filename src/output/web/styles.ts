/** Style sheets of the generated pages, inlined in `<style>` (no external requests). */

/** Shared by the web player and the standalone viewer: the viewer element and its panel. */
export const VIEWER_CSS = `
.viewer { position: relative; overflow: hidden; border-radius: 8px; }
.viewer-canvas { position: absolute; inset: 0; }
.viewer-canvas canvas { display: block; width: 100%; height: 100%; touch-action: none; }
.viewer-panel { position: absolute; top: 12px; left: 12px; max-width: min(320px, 80%); padding: 10px 12px;
  background: rgba(0, 0, 0, 0.55); color: #f2f2f2; border-radius: 6px; font: 13px/1.4 system-ui, sans-serif; }
.viewer-panel h1 { font-size: 16px; margin: 0 0 6px; }
.viewer-panel label { display: block; margin: 4px 0; }
.viewer-panel input[type=range] { vertical-align: middle; width: 120px; }
.viewer-panel audio { width: 100%; margin-top: 6px; }
.viewer-status { margin: 0 0 6px; }
.preview-note { color: #ffd24d; font-weight: 600; }
.badge-heuristic { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 700; background: #ff9f5a; color: #2a1000; }
.viewer-download { margin: 6px 0 0; }
.viewer-download a { color: inherit; }
`

/** The standalone viewer page: the viewer fills the window. */
export const VIEWER_PAGE_CSS = `
html, body { margin: 0; height: 100%; }
body { background: #1a1a1a; }
.viewer-page .viewer { position: fixed; inset: 0; border-radius: 0; }
${VIEWER_CSS}`

/** The web player page. */
export const PLAYER_CSS = `
:root { color-scheme: dark; --fg: #ececf1; --muted: #a0a3ad; --bg: #111318; --card: #1b1e26; --accent: #b08cff; --warn: #ffd24d; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, sans-serif; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 16px 20px; }
h1 { margin: 0 0 8px; font-size: 26px; }
h2 { margin: 32px 0 12px; font-size: 20px; border-bottom: 1px solid #2c3040; padding-bottom: 4px; }
h3 { margin: 20px 0 8px; font-size: 16px; }
a { color: var(--accent); }
nav a { margin-right: 14px; }
.concept { font-size: 18px; white-space: pre-wrap; overflow-wrap: break-word; background: var(--card); padding: 12px 16px; border-radius: 8px; }
.meta { color: var(--muted); margin: 6px 0; }
.preview-banner { border: 2px solid var(--warn); color: var(--warn); background: rgba(255, 210, 77, 0.08); padding: 10px 14px; border-radius: 8px; margin: 12px 0; }
.badge { display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 700; margin-right: 4px; }
.badge-primary { background: var(--accent); color: #1b1030; }
.badge-preview { background: var(--warn); color: #2a2000; }
.gallery { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 14px; }
.gallery-item figure { margin: 0; background: var(--card); border-radius: 8px; overflow: hidden; border: 2px solid transparent; }
.gallery-item[data-primary="true"] figure { border-color: var(--accent); }
.gallery-item img { display: block; width: 100%; height: auto; aspect-ratio: auto; background: #000; }
.gallery-item figcaption { padding: 8px 10px; font-size: 13px; }
.gallery-item dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 6px 0 0; }
.gallery-item dt { color: var(--muted); }
.gallery-item dd { margin: 0; }
.videos { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.video-card { background: var(--card); border-radius: 8px; padding: 8px; }
.video-card video { display: block; width: 100%; background: #000; border-radius: 4px; }
.video-card p { margin: 6px 2px 0; font-size: 13px; }
.final video { max-height: 70vh; }
audio { width: 100%; max-width: 640px; }
.pointcloud .viewer { height: 480px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #2c3040; vertical-align: top; overflow-wrap: break-word; }
thead th { white-space: nowrap; }
thead th { color: var(--muted); font-weight: 600; }
.table-scroll { overflow-x: auto; }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); font-size: 13px; }
${VIEWER_CSS}`

/** The docs/index.html listing of runs. */
export const INDEX_CSS = `
:root { color-scheme: dark; }
body { margin: 0 auto; max-width: 960px; padding: 20px; background: #111318; color: #ececf1; font: 15px/1.5 system-ui, sans-serif; }
a { color: #b08cff; }
ul { padding-left: 20px; }
li { margin: 8px 0; overflow-wrap: anywhere; }
.meta { color: #a0a3ad; font-size: 13px; }
.badge-preview { background: #ffd24d; color: #2a2000; padding: 0 6px; border-radius: 4px; font-size: 12px; font-weight: 700; }
body { max-width: 1280px; }
.runs-layout { display: grid; grid-template-columns: minmax(260px, 1fr) minmax(320px, 1.4fr); gap: 24px; align-items: start; }
@media (max-width: 800px) { .runs-layout { grid-template-columns: 1fr; } }
.dashboard h2 { font-size: 18px; margin: 0 0 6px; }
.chart { margin: 0 0 16px; background: #1b1e26; border-radius: 8px; padding: 8px 10px; }
.chart figcaption { font-size: 13px; color: #a0a3ad; margin-bottom: 4px; }
.chart svg { display: block; font: 12px system-ui, sans-serif; fill: #ececf1; }
.chart .label { fill: #c8cad2; }
.chart rect { fill: #b08cff; }
.chart .bar-local { fill: #5ad19a; }
.chart .bar-hosted { fill: #6aa8ff; }
.chart .bar-preview { fill: #ffd24d; }
.chart .bar-bad { fill: #ff7a7a; }
.chart .tick { stroke: #ececf1; stroke-width: 2; }
`
