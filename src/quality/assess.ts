import { abortReason } from '../core/abort.js'
import { errorMessage } from '../core/errors.js'
import { silentLogger, type Logger } from '../core/logger.js'
import type { Size } from './metrics/resolution.js'
import { combineQuality, invalidScore, NO_SCORER_REASON, SCORED_DIMENSIONS } from './overall.js'
import { assessTechnical } from './technical.js'
import type { ImageQuality, Scorer, ScorerOutcome } from './types.js'

/** Options of {@link assessImage}. */
export interface AssessOptions {
  /** The prompt the image was made from (for the alignment scorers). */
  prompt: string
  /** The size that was asked for. */
  requested: Size
  /** Scorers for alignment and aesthetics, in order of preference; none → not measured. */
  scorers?: readonly Scorer[]
  /** Cancellation and deadline; its reason is rethrown (it is not a scorer failure). */
  signal?: AbortSignal
  /** Warnings about failing scorers go to `warn`. */
  logger?: Logger
}

/**
 * Assesses one image: the technical metrics on its pixels, then every scorer in parallel, then
 * {@link combineQuality}.
 *
 * A scorer that fails (rejects, or returns a value that is not a number in 0–1) does not fail
 * the image: its dimensions become null with the error as the reason, and a warning is logged.
 * A blank image (a failed render) is not sent to the scorers: its overall score is 0 whatever
 * they say, and asking would only cost a call; the scorer dimensions then say so.
 *
 * @param image PNG bytes (any format sharp reads is accepted)
 * @throws KamuiError GEN_002 when the image cannot be decoded; the signal's reason (IMG_003 for
 *   a deadline, RUN_001 otherwise) when it aborts
 */
export async function assessImage(
  image: Uint8Array,
  options: AssessOptions,
): Promise<ImageQuality> {
  const { signal } = options
  const logger = options.logger ?? silentLogger
  const scorers = options.scorers ?? []
  if (signal?.aborted) throw abortReason(signal)
  const technical = await assessTechnical(image, options.requested)
  if (signal?.aborted) throw abortReason(signal)
  if (technical.blank) {
    return combineQuality(technical, [], {
      unscoredReason:
        scorers.length === 0
          ? NO_SCORER_REASON
          : 'not measured: the image is blank (a failed render), so it was not sent to the scorers',
    })
  }
  const png = Buffer.isBuffer(image)
    ? image
    : Buffer.from(image.buffer, image.byteOffset, image.byteLength)
  const requestSignal = signal ?? new AbortController().signal
  const outcomes = await Promise.all(
    scorers.map(async (scorer): Promise<ScorerOutcome> => {
      const base = {
        scorer: scorer.name,
        ...(scorer.dimensions ? { dimensions: scorer.dimensions } : {}),
      }
      try {
        const result = await scorer.score({ png, prompt: options.prompt, signal: requestSignal })
        const invalid = SCORED_DIMENSIONS.map((d) => invalidScore(result, d)).filter(
          (reason): reason is string => reason !== null,
        )
        if (invalid.length > 0) {
          logger.warn(
            `Quality scorer "${scorer.name}" ${invalid.join('; ')}; its scores are not used.`,
          )
          return { ...base, error: invalid.join('; ') }
        }
        return { ...base, result }
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal)
        const message = errorMessage(error)
        logger.warn(
          `Quality scorer "${scorer.name}" failed: ${message}. Its dimensions are reported as not measured.`,
        )
        return { ...base, error: message }
      }
    }),
  )
  return combineQuality(technical, outcomes)
}
