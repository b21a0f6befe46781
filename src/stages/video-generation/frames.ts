import { readFile } from 'node:fs/promises'
import { KamuiError, errorMessage } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import { downloadMedia } from '../../media/download.js'
import { toPng } from '../../media/to-png.js'
import type { FrameCandidate } from './keyframes.js'

/** A frame ready to be given to a video model. */
export interface ResolvedFrame {
  /** The image as PNG. */
  png: Buffer
  width: number
  height: number
  /**
   * What the model receives: the http(s) URL itself when it was downloadable, otherwise a
   * `data:image/png;base64,…` URL of the PNG.
   */
  modelUrl: string
  /** The candidate that was used. */
  origin: string
  /** The candidates tried before it and why they were not usable. */
  skipped: { origin: string; reason: string }[]
}

/** Options of {@link resolveFrame}. */
export interface ResolveFrameOptions {
  signal: AbortSignal
  logger: Logger
  /**
   * Try local files before URLs, for candidates that are copies of one frame (a keyframe's file
   * and URL) when the provider renders locally. Otherwise the order given is kept: URLs first
   * (hosted models fetch them themselves), local files as the fallback.
   */
  preferLocal: boolean
  /** Name of the frame for messages (`the first frame of segment 2`). */
  what: string
}

/**
 * Takes the first usable candidate: a URL is downloaded (at once: hosted URLs expire) and must
 * be an image; a path must be a readable image. Each candidate that fails (HTTP 404 / 410 /
 * 403 "expired", a network failure, a preview:// identifier, a missing file, not an image) is
 * logged as a warning and the next one is tried.
 *
 * @throws KamuiError VID_003 when no candidate is usable, listing each one and why
 */
export async function resolveFrame(
  candidates: readonly FrameCandidate[],
  options: ResolveFrameOptions,
): Promise<ResolvedFrame> {
  const ordered = options.preferLocal
    ? [
        ...candidates.filter((c) => c.kind === 'path'),
        ...candidates.filter((c) => c.kind === 'url'),
      ]
    : [...candidates]
  const skipped: ResolvedFrame['skipped'] = []
  for (const candidate of ordered) {
    try {
      const frame = await load(candidate, options.signal)
      if (skipped.length > 0) {
        options.logger.warn(
          `${options.what}: using ${candidate.origin} (${skipped.map((s) => `${s.origin}: ${s.reason}`).join('; ')}).`,
        )
      }
      return { ...frame, origin: candidate.origin, skipped }
    } catch (error) {
      if (options.signal.aborted) throw error
      skipped.push({ origin: candidate.origin, reason: errorMessage(error) })
    }
  }
  const tried = skipped.map((s) => `${s.origin}: ${s.reason}`).join('; ')
  throw new KamuiError(
    'VID_003',
    `No usable image for ${options.what}` +
      (tried
        ? ` (${tried}).`
        : ': none was given (set google-image-url, input-image-path or keyframes).') +
      (tried ? ' Give input-image-path as a local fallback for expired URLs.' : ''),
  )
}

async function load(
  candidate: FrameCandidate,
  signal: AbortSignal,
): Promise<Omit<ResolvedFrame, 'origin' | 'skipped'>> {
  if (candidate.kind === 'url') {
    if (!/^(https?|data):/i.test(candidate.value)) {
      throw new KamuiError(
        'VID_003',
        `${shortScheme(candidate.value)} is not a downloadable URL (preview:// identifiers name preview output, not a file)`,
      )
    }
    const { bytes } = await downloadMedia(candidate.value, { signal, accept: 'image' })
    const png = await toPng(bytes)
    return {
      png: png.png,
      width: png.width,
      height: png.height,
      modelUrl: /^https?:/i.test(candidate.value) ? candidate.value : dataUrl(png.png),
    }
  }
  let bytes: Buffer
  try {
    bytes = await readFile(candidate.value)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new KamuiError(
      'VID_003',
      code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code})`,
      {
        cause: error,
      },
    )
  }
  const png = await toPng(bytes)
  return { png: png.png, width: png.width, height: png.height, modelUrl: dataUrl(png.png) }
}

function dataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`
}

function shortScheme(url: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]
  return scheme ? `a ${scheme}: URL` : 'the value'
}
