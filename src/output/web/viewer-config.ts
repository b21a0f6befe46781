import { KamuiError } from '../../core/errors.js'
import { markup, jsonForScript, type SafeHtml } from './html.js'

/**
 * What the browser viewer (`kamui-viewer.js`, see viewer-script.ts) reads from the page's
 * `<script type="application/json">` element.
 */
export interface ViewerConfig {
  /** Shown as the canvas' accessible name. */
  title: string
  /** Relative URL of the full PLY file (from the page), offered as a download link. */
  ply: string
  /**
   * The points the viewer draws: a classic script (relative URL) that stores a PLY file, base64,
   * under `self.KAMUI_CLOUDS[key]` (see cloud-data.ts), so that the page also works from `file://`.
   */
  data: { url: string; key: string }
  /** CSS hex colour `#rrggbb`. */
  background: string
  /** Viewing direction from the cloud's centre; its length over 100 scales the fitted distance. */
  cameraPosition: [number, number, number]
  autoRotate: boolean
  /** Multiple of the estimated point spacing (heuristic, see viewer-script.ts). */
  pointSize: number
  /** Auto-rotation speed multiple (1 = OrbitControls' speed 2). */
  animationSpeed: number
}

/**
 * Parses `camera-position`: three comma-separated finite numbers, not all zero (`0,0,100`).
 *
 * @throws KamuiError WEB_001 naming the input and the value
 */
export function parseCameraPosition(
  value: string,
  inputName = 'camera-position',
): [number, number, number] {
  const parts = value.split(',').map((p) => p.trim())
  const numbers = parts.map((p) => (p === '' ? NaN : Number(p)))
  if (numbers.length !== 3 || numbers.some((n) => !Number.isFinite(n))) {
    throw new KamuiError(
      'WEB_001',
      `${inputName} must be three numbers "x,y,z" such as 0,0,100, got "${value}".`,
    )
  }
  if (numbers.every((n) => n === 0)) {
    throw new KamuiError(
      'WEB_001',
      `${inputName} must not be 0,0,0: it gives the direction the camera looks from.`,
    )
  }
  return numbers as [number, number, number]
}

/**
 * Parses a CSS hex colour (`#1a1a1a` or `#abc`) into the 6-digit lowercase form.
 *
 * @throws KamuiError WEB_001 for anything else
 */
export function parseHexColor(value: string, inputName = 'background-color'): string {
  const text = value.trim().toLowerCase()
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(text)
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`
  if (/^#[0-9a-f]{6}$/.test(text)) return text
  throw new KamuiError(
    'WEB_001',
    `${inputName} must be a hex colour such as #1a1a1a, got "${value}".`,
  )
}

/**
 * Parses a number from `min` to `max` (inclusive).
 *
 * @throws KamuiError WEB_001 naming the input and the range
 */
export function parseBoundedNumber(
  value: string,
  inputName: string,
  min: number,
  max: number,
): number {
  const text = value.trim()
  const n = text === '' ? NaN : Number(text)
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new KamuiError(
      'WEB_001',
      `${inputName} must be a number from ${min} to ${max}, got "${value}".`,
    )
  }
  return n
}

/**
 * Parses a boolean input (`true`/`false`, also `yes`/`no`, `1`/`0`, `on`/`off`; empty is false).
 *
 * @throws KamuiError WEB_001 for anything else
 */
export function parseBooleanInput(value: string, inputName: string): boolean {
  const text = value.trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(text)) return true
  if (['false', 'no', '0', 'off', ''].includes(text)) return false
  throw new KamuiError('WEB_001', `${inputName} must be true or false, got "${value}".`)
}

/** Options of {@link viewerElement}. */
export interface ViewerElementOptions {
  /** Id of the JSON config element (unique in the page). */
  id: string
  config: ViewerConfig
  /** Extra markup inside the control panel (a music player, a preview notice). */
  extra?: SafeHtml
  /** Heading of the control panel; none when undefined. */
  heading?: string
}

/**
 * The viewer's markup: the element `kamui-viewer.js` mounts (canvas host, status line, auto-rotate
 * checkbox, point-size slider, reset button) and its JSON config element. Every text is escaped.
 */
export function viewerElement(options: ViewerElementOptions): SafeHtml {
  const { id, config } = options
  const sizeMax = Math.max(5, Math.ceil(config.pointSize * 2))
  return markup`<div class="viewer" data-kamui-viewer data-config="${id}" style="background:${config.background}">
  <div class="viewer-canvas" data-role="canvas"></div>
  <div class="viewer-panel">
    ${options.heading === undefined ? '' : markup`<h1>${options.heading}</h1>`}
    <p class="viewer-status" data-role="status" role="status">The point-cloud viewer needs JavaScript and WebGL.</p>
    <label><input type="checkbox" data-role="auto-rotate"${config.autoRotate ? markup` checked` : ''}> Auto-rotate (or double-click)</label>
    <label>Point size <input type="range" min="0.1" max="${sizeMax}" step="0.1" value="${config.pointSize}" data-role="point-size"></label>
    <button type="button" data-role="reset">Reset view</button>
    <p class="viewer-download"><a href="${config.ply}" download>Download the PLY file</a></p>
    ${options.extra}
  </div>
</div>
<script type="application/json" id="${id}">${jsonForScript(config)}</script>`
}
