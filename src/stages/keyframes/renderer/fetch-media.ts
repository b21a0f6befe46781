import { KamuiError, isKamuiError } from '../../../core/errors.js'
import type { Logger } from '../../../core/logger.js'
import type { MediaRef } from '../../../providers/mcp/types.js'
import { downloadMedia } from '../../../media/download.js'
import { toPng } from '../../../media/to-png.js'

/** The first usable image of a model result, as a verified PNG. */
export interface FetchedImage {
  png: Buffer
  /** The URL it came from (or that was announced with the bytes), if any. */
  url: string | null
  /** Download and decode time, ms. */
  ms: number
  /** True when the bytes came inline (no download). */
  inline: boolean
}

/**
 * Fetches the first media item of a result that is a valid image: inline bytes, or a URL
 * downloaded at once (hosted URLs expire after about an hour; size-capped and type-checked,
 * transient failures retried by `downloadMedia`), then decoded and converted to PNG.
 *
 * @throws KamuiError GEN_002 when no item is a valid image (the last reason); the download
 *   errors (IMG_006, IMG_008) once their retries are used up; the signal's reason when aborted
 */
export async function fetchFirstImage(
  media: readonly MediaRef[],
  options: { signal: AbortSignal; logger: Logger },
): Promise<FetchedImage> {
  const started = performance.now()
  let last: unknown
  for (const ref of media) {
    try {
      const bytes =
        ref.bytes ??
        (await downloadMedia(ref.url as string, { signal: options.signal, accept: 'image' })).bytes
      const png = await toPng(bytes)
      return {
        png: png.png,
        url: ref.url ?? null,
        ms: Math.round(performance.now() - started),
        inline: ref.bytes !== undefined,
      }
    } catch (error) {
      if (!isKamuiError(error, 'GEN_002')) throw error
      last = error
      options.logger.warn(`${error.message} Trying the next media item of the result.`)
    }
  }
  throw last ?? new KamuiError('GEN_001', 'The model result held no media.')
}
