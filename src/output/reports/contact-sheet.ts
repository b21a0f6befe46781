import type { Provenance } from '../../contracts/provenance.js'
import { embedImageProvenance } from '../../media/provenance/image.js'
import { createRgbImage, type Rgb8, type RgbImage } from '../../media/raster/rgb-image.js'
import { renderText, type RenderedText } from '../../media/raster/text.js'
import { loadSharp } from '../../media/sharp.js'

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

/** Layout and text of the sheet. */
export interface ContactSheetOptions {
  /** Side of each thumbnail cell, px (default 256). */
  cell?: number
  /** Columns (default: ceil(sqrt(n)), at most 5). */
  columns?: number
  /** The run's prompt, shown above the grid (up to three lines); absent or empty: no header. */
  prompt?: string
  /** Provenance embedded in the sheet as XMP (`compositeSynthetic`); null or absent: none. */
  provenance?: Provenance | null
}

const BACKGROUND: Rgb8 = [24, 24, 28]
const STRIP: Rgb8 = [36, 36, 42]
const TEXT = '#ececf0'
const DIM_TEXT = '#9696a0'
const PRIMARY_TEXT = '#fac428'
const PRIMARY: Rgb8 = [250, 196, 40]
const GAP = 12
const BORDER = 6
const LABEL_HEIGHT = 44
/** Height of the prompt box above the grid, px (three lines of 16 px text). */
export const PROMPT_BOX_HEIGHT = 76
/** Font size of the prompt, px. */
export const PROMPT_SIZE_PX = 16

type Layer = {
  input: Buffer
  left: number
  top: number
  raw?: { width: number; height: number; channels: 3 }
}

/**
 * `metadata/contact-sheet.png`: the run's prompt on top (up to three lines, shortened with "…"),
 * then every candidate in a grid, each thumbnail fitted (letterboxed, never cropped) into a
 * square cell with a label strip under it giving the image number and attempt, the score
 * ("not scored" when null) and the model; the primary image has a yellow border and the label
 * "PRIMARY"; candidates a regeneration replaced are labelled "replaced". Text is drawn with the
 * suite's font (Noto Sans JP: lowercase, accents and Japanese as written; `src/media/raster/text.ts`).
 * With `provenance`, the sheet carries it as XMP.
 *
 * @returns PNG bytes; the sheet is `columns · (cell + 12) + 12` pixels wide
 * @throws KamuiError CFG_001 when the font file is missing
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
  const prompt = options.prompt?.trim() ?? ''
  const header = prompt ? PROMPT_BOX_HEIGHT + GAP : 0
  const height = header + rows * pitchY + GAP
  const layers: Layer[] = []
  if (prompt) layers.push(...(await promptLayers(prompt, width - 2 * GAP)))

  // Every cell at once: the thumbnails are resized on libvips threads while labels are drawn;
  // they stay raw pixels (no PNG encode and decode before the composite: the same sheet, ~15 ms
  // sooner for five 256-px cells).
  const cells = await Promise.all(
    candidates.map((candidate, i) =>
      cellLayers(candidate, cellPosition(i, columns, cell, prompt !== ''), cell),
    ),
  )
  layers.push(...cells.flat())

  const png = await sharp({
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
  return embedImageProvenance(png, options.provenance ?? null)
}

/** The layers of one candidate's cell at `at`: the primary frame, the thumbnail, the label strip. */
async function cellLayers(
  candidate: ContactSheetCandidate,
  at: { left: number; top: number },
  cell: number,
): Promise<Layer[]> {
  const sharp = await loadSharp()
  const { left, top } = at
  const layers: Layer[] = []
  if (candidate.primary) {
    const frame = solid(cell + 2 * BORDER, cell + LABEL_HEIGHT + 2 * BORDER, PRIMARY)
    layers.push({
      input: Buffer.from(frame.data),
      left: left - BORDER,
      top: top - BORDER,
      raw: rawOf(frame),
    })
  }
  const [thumbnail, labels] = await Promise.all([
    sharp(candidate.image)
      .resize(cell, cell, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
    labelLayers(candidate, cell, left, top + cell),
  ])
  layers.push({
    input: thumbnail.data,
    left,
    top,
    raw: { width: thumbnail.info.width, height: thumbnail.info.height, channels: 3 },
  })
  const strip = solid(cell, LABEL_HEIGHT, STRIP)
  layers.push({ input: Buffer.from(strip.data), left, top: top + cell, raw: rawOf(strip) })
  layers.push(...labels)
  return layers
}

/**
 * The position of candidate `i`'s thumbnail on a sheet with `columns` columns (for tests and
 * tools); `withPrompt`: the sheet has the prompt box on top.
 */
export function cellPosition(
  i: number,
  columns: number,
  cell = 256,
  withPrompt = false,
): { left: number; top: number } {
  return {
    left: GAP + (i % columns) * (cell + GAP),
    top:
      (withPrompt ? PROMPT_BOX_HEIGHT + GAP : 0) +
      GAP +
      Math.floor(i / columns) * (cell + LABEL_HEIGHT + GAP),
  }
}

/** The prompt, wrapped into the box above the grid. */
async function promptLayers(prompt: string, width: number): Promise<Layer[]> {
  const text = await renderText(prompt, {
    sizePx: PROMPT_SIZE_PX,
    color: TEXT,
    maxWidth: width,
    maxLines: 3,
  })
  if (!text) return []
  return [{ input: await cropTo(text, width, PROMPT_BOX_HEIGHT), left: GAP, top: GAP }]
}

/** The two label lines of a candidate: number, score and tag; the model. */
async function labelLayers(
  candidate: ContactSheetCandidate,
  width: number,
  left: number,
  top: number,
): Promise<Layer[]> {
  const large = width >= 200
  const score = candidate.score === null ? 'not scored' : candidate.score.toFixed(2)
  const tag = candidate.primary ? ' · PRIMARY' : candidate.kept ? '' : ' · replaced'
  const number = `#${candidate.index}${candidate.attempt > 1 ? `.${candidate.attempt}` : ''}`
  const lines = [
    {
      text: `${number} · ${score}${tag}`,
      size: large ? 14 : 11,
      color: candidate.primary ? PRIMARY_TEXT : TEXT,
      y: 2,
    },
    { text: candidate.model, size: large ? 13 : 10, color: DIM_TEXT, y: large ? 23 : 20 },
  ]
  const layers: Layer[] = []
  for (const line of lines) {
    const text = await renderText(line.text, {
      sizePx: line.size,
      color: line.color,
      maxWidth: width - 8,
    })
    if (text)
      layers.push({
        input: await cropTo(text, width - 8, LABEL_HEIGHT - line.y),
        left: left + 4,
        top: top + line.y,
      })
  }
  return layers
}

/** The rendered text, cut to at most `width` × `height` px. */
async function cropTo(text: RenderedText, width: number, height: number): Promise<Buffer> {
  if (text.width <= width && text.height <= height) return text.png
  const sharp = await loadSharp()
  return sharp(text.png)
    .extract({
      left: 0,
      top: 0,
      width: Math.min(width, text.width),
      height: Math.min(height, text.height),
    })
    .png()
    .toBuffer()
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
