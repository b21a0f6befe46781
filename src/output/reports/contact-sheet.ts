import { loadSharp } from '../../media/sharp.js'
import { drawText, measureText } from '../../media/raster/font.js'
import { createRgbImage, type Rgb8, type RgbImage } from '../../media/raster/rgb-image.js'

/** One candidate image on the contact sheet. */
export interface ContactSheetCandidate {
  /** PNG (or any image sharp reads) bytes. */
  image: Buffer
  /** 1-based image number. */
  index: number
  /** Attempt of that image (1 for the first; regenerations count up). */
  attempt: number
  model: string
  /** Overall quality score 0–1, or null when not measured. */
  score: number | null
  /** The primary image of the run. */
  primary: boolean
  /** Kept as the image of its slot (false for a candidate a regeneration replaced). */
  kept: boolean
}

/** Layout of the sheet, in pixels. */
export interface ContactSheetOptions {
  /** Side of each thumbnail cell (default 256). */
  cell?: number
  /** Columns (default: ceil(sqrt(n)), at most 5). */
  columns?: number
}

const BACKGROUND: Rgb8 = [24, 24, 28]
const TEXT: Rgb8 = [236, 236, 240]
const DIM_TEXT: Rgb8 = [150, 150, 160]
const PRIMARY: Rgb8 = [250, 196, 40]
const GAP = 12
const BORDER = 6
const LABEL_HEIGHT = 44

/**
 * `metadata/contact-sheet.png`: every candidate of a run in a grid, each thumbnail fitted
 * (letterboxed, never cropped) into a square cell with a label strip under it giving the image
 * number and attempt, the model and the score ("NOT SCORED" when null); the primary image has
 * a yellow border and the label "PRIMARY"; candidates a regeneration replaced are labelled
 * "REPLACED". Labels use the built-in bitmap font, so no system fonts are needed.
 *
 * @returns PNG bytes; the sheet is `columns · (cell + 12) + 12` pixels wide
 */
export async function renderContactSheet(
  candidates: readonly ContactSheetCandidate[],
  options: ContactSheetOptions = {},
): Promise<Buffer> {
  const sharp = await loadSharp()
  const cell = options.cell ?? 256
  const columns = Math.max(
    1,
    options.columns ?? Math.min(5, Math.ceil(Math.sqrt(candidates.length))),
  )
  const rows = Math.max(1, Math.ceil(candidates.length / columns))
  const pitchX = cell + GAP
  const pitchY = cell + LABEL_HEIGHT + GAP
  const width = columns * pitchX + GAP
  const height = rows * pitchY + GAP
  const layers: {
    input: Buffer
    left: number
    top: number
    raw?: { width: number; height: number; channels: 3 }
  }[] = []

  for (const [i, candidate] of candidates.entries()) {
    const left = GAP + (i % columns) * pitchX
    const top = GAP + Math.floor(i / columns) * pitchY
    if (candidate.primary) {
      const frame = solid(cell + 2 * BORDER, cell + LABEL_HEIGHT + 2 * BORDER, PRIMARY)
      layers.push({
        input: Buffer.from(frame.data),
        left: left - BORDER,
        top: top - BORDER,
        raw: rawOf(frame),
      })
    }
    const thumbnail = await sharp(candidate.image)
      .resize(cell, cell, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .png()
      .toBuffer()
    layers.push({ input: thumbnail, left, top })
    const label = labelStrip(candidate, cell)
    layers.push({ input: Buffer.from(label.data), left, top: top + cell, raw: rawOf(label) })
  }

  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: BACKGROUND[0], g: BACKGROUND[1], b: BACKGROUND[2] },
    },
  })
    .composite(layers.map(({ raw, ...layer }) => (raw ? { ...layer, raw } : layer)))
    .removeAlpha()
    .png()
    .toBuffer()
}

/** The position of candidate `i`'s thumbnail on a sheet with `columns` columns (for tests and tools). */
export function cellPosition(
  i: number,
  columns: number,
  cell = 256,
): { left: number; top: number } {
  return {
    left: GAP + (i % columns) * (cell + GAP),
    top: GAP + Math.floor(i / columns) * (cell + LABEL_HEIGHT + GAP),
  }
}

function labelStrip(candidate: ContactSheetCandidate, width: number): RgbImage {
  const strip = solid(width, LABEL_HEIGHT, [36, 36, 42])
  const score = candidate.score === null ? 'NOT SCORED' : candidate.score.toFixed(2)
  const tag = candidate.primary ? ' PRIMARY' : candidate.kept ? '' : ' REPLACED'
  const scale = width >= 200 ? 2 : 1
  const first = fit(
    scale,
    `#${candidate.index}${candidate.attempt > 1 ? `.${candidate.attempt}` : ''} ${score}${tag}`,
    width - 8,
  )
  const second = fit(scale, candidate.model, width - 8)
  drawText(strip, first, 4, 6, scale, candidate.primary ? PRIMARY : TEXT)
  drawText(strip, second, 4, 26, scale, DIM_TEXT)
  return strip
}

/** `text` shortened (with a trailing "..") so that it fits `width` pixels at `scale`. */
function fit(scale: number, text: string, width: number): string {
  let out = text
  while (out.length > 3 && measureText(out, scale).width > width) out = out.slice(0, -3) + '..'
  return out
}

function solid(width: number, height: number, color: Rgb8): RgbImage {
  const image = createRgbImage(width, height)
  for (let i = 0; i < image.data.length; i += 3) {
    image.data[i] = color[0]
    image.data[i + 1] = color[1]
    image.data[i + 2] = color[2]
  }
  return image
}

function rawOf(image: RgbImage): { width: number; height: number; channels: 3 } {
  return { width: image.width, height: image.height, channels: 3 }
}
