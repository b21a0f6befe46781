import { loadSharp } from '../sharp.js'
import { FONT_FAMILY, fontFile } from './font-file.js'

/**
 * Text drawn with a real font (issue 16): libvips renders Pango markup with the suite's font
 * file ({@link fontFile}, Noto Sans JP), so lowercase, accented Latin and Japanese show as
 * written. Sizes are in pixels (the text is rendered at 72 dpi, where 1 pt = 1 px).
 */

/** How {@link renderText} lays the text out. */
export interface TextOptions {
  /** Font size, px. */
  sizePx: number
  /** `#rrggbb`. */
  color: string
  /** Widest the result may be, px: wrapped to it when `maxLines` > 1, else cut at it. */
  maxWidth: number
  /** Most lines (default 1); text beyond them is cut and ends with "…". */
  maxLines?: number
}

/** A rendered text: RGBA PNG bytes (transparent background) and its size in px. */
export interface RenderedText {
  png: Buffer
  width: number
  height: number
}

/** `text` escaped for Pango markup; control characters (other than line feeds) and characters XML cannot carry become spaces. */
export function escapePangoMarkup(text: string): string {
  let clean = ''
  for (const char of text) {
    const code = char.codePointAt(0) as number
    const ok =
      (code >= 0x20 || code === 0x0a) &&
      !(code >= 0x7f && code < 0xa0) &&
      code !== 0xfffe &&
      code !== 0xffff
    clean += ok && !(code >= 0xd800 && code <= 0xdfff) ? char : ' '
  }
  return clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

async function render(
  text: string,
  options: TextOptions,
  wrapWidth: number | undefined,
): Promise<RenderedText> {
  const sharp = await loadSharp()
  const { data, info } = await sharp({
    text: {
      text: `<span foreground="${options.color}">${escapePangoMarkup(text)}</span>`,
      font: `${FONT_FAMILY} ${options.sizePx}`,
      fontfile: fontFile(),
      rgba: true,
      dpi: 72,
      ...(wrapWidth !== undefined ? { width: wrapWidth, wrap: 'word-char' as const } : {}),
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true })
  return { png: data, width: info.width, height: info.height }
}

const blockHeights = new Map<string, number>()

/** Height of `lines` lines of text at `sizePx`, px (measured once per size and count). */
async function blockHeight(options: TextOptions, lines: number): Promise<number> {
  const key = `${options.sizePx}:${lines}`
  const known = blockHeights.get(key)
  if (known !== undefined) return known
  const sample = Array.from({ length: lines }, () => 'Ágy漢').join('\n')
  const { height } = await render(sample, options, undefined)
  blockHeights.set(key, height)
  return height
}

/**
 * Renders `text` (whitespace runs collapsed) in the suite's font. One line by default, cut at
 * `maxWidth`; with `maxLines` > 1, wrapped at `maxWidth` (between words, or between characters
 * for Japanese) and, when it needs more lines, shortened to fit with a trailing "…".
 *
 * @returns null for empty text
 * @throws KamuiError CFG_001 when the font file is missing; sharp's error when rendering fails
 */
export async function renderText(text: string, options: TextOptions): Promise<RenderedText | null> {
  const clean = text.replace(/\s+/g, ' ').trim()
  if (clean === '') return null
  const maxLines = Math.max(1, options.maxLines ?? 1)
  if (maxLines === 1) {
    let out = await render(clean, options, undefined)
    if (out.width > options.maxWidth) {
      out = await fitOneLine(clean, options)
    }
    return out
  }
  const limit = (await blockHeight(options, maxLines)) + 1
  const full = await render(clean, options, options.maxWidth)
  if (full.height <= limit) return full
  // Binary search for the longest prefix that fits in maxLines (with the ellipsis).
  const chars = [...clean]
  let lo = 1
  let hi = chars.length
  let best = await render('…', options, options.maxWidth)
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const candidate = await render(
      `${chars.slice(0, mid).join('').trimEnd()}…`,
      options,
      options.maxWidth,
    )
    if (candidate.height <= limit) {
      best = candidate
      lo = mid + 1
    } else hi = mid - 1
  }
  return best
}

/** The longest prefix of `text` (with "…") that fits `maxWidth` on one line. */
async function fitOneLine(text: string, options: TextOptions): Promise<RenderedText> {
  const chars = [...text]
  let lo = 1
  let hi = chars.length - 1
  let best = await render('…', options, undefined)
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const candidate = await render(`${chars.slice(0, mid).join('').trimEnd()}…`, options, undefined)
    if (candidate.width <= options.maxWidth) {
      best = candidate
      lo = mid + 1
    } else hi = mid - 1
  }
  return best
}
