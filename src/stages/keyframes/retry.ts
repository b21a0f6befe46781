import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import {
  KEYFRAMES_FILE,
  readKeyframesFile,
  type KeyframeRecord,
  type KeyframesFile,
  type KeyframeSegmentRecord,
} from './keyframes-file.js'
import type { ProductImage } from './product-images.js'
import { labelSegments, type Storyboard } from './storyboard.js'

/**
 * `retry-segments`: the earlier run a retry builds on, the frames it keeps, and the warnings
 * about what may no longer match.
 */

/** The earlier run of a retry-segments run: its keyframes.json and its storyboard. */
export interface PreviousRun {
  file: KeyframesFile
  storyboard: Storyboard
}

/** The frames of a segment kept from the earlier run. */
export interface KeptSegment {
  first: KeyframeRecord
  last: KeyframeRecord
}

/**
 * The earlier run a retry-segments run builds on.
 *
 * @throws KamuiError KF_002 when `{folder}/keyframes.json` is missing or invalid, CFG_001 when a
 *   named segment is not in its storyboard
 */
export async function previousRun(
  folder: string,
  segments: readonly number[],
): Promise<PreviousRun> {
  const location = path.join(folder, KEYFRAMES_FILE)
  const file = await readKeyframesFile(location).catch((error: unknown) => {
    throw new KamuiError(
      'KF_002',
      `retry-segments needs the keyframes.json of an earlier run in folder-name: ${(error as Error).message}`,
      { cause: error },
    )
  })
  const missing = segments.filter((n) => !file.segments.some((s) => s.index === n))
  if (missing.length > 0) {
    throw new KamuiError(
      'CFG_001',
      `retry-segments names segment(s) ${missing.join(', ')}, but the earlier storyboard has ${file.segments.length} segments.`,
    )
  }
  return {
    file,
    storyboard: {
      source: file.storySource,
      concept: file.concept,
      story: file.story,
      segments: labelSegments(
        file.segments.map((s) => ({
          type: s.type,
          description: s.description,
          duration: s.duration,
          ...(s.title ? { title: s.title } : {}),
        })),
      ),
    },
  }
}

/** The segments of the earlier run that are not retried, by segment number (empty without one). */
export function keptSegments(
  previous: PreviousRun | undefined,
  retried: ReadonlySet<number>,
): Map<number, KeptSegment> {
  const kept = new Map<number, KeptSegment>()
  for (const segment of previous?.file.segments ?? []) {
    if (!retried.has(segment.index))
      kept.set(segment.index, { first: segment.firstFrame, last: segment.lastFrame })
  }
  return kept
}

/** Warnings of a retry-segments run: changed product photos, joins that may no longer match. */
export function retryWarnings(
  earlier: KeyframesFile,
  images: readonly ProductImage[],
  records: readonly KeyframeSegmentRecord[],
  retried: ReadonlySet<number>,
): { code: string; message: string }[] {
  const warnings: { code: string; message: string }[] = []
  const before = earlier.productImages.map((p) => p.sha256).join(',')
  if (before !== images.map((p) => p.sha256).join(',')) {
    warnings.push({
      code: 'KF_001',
      message:
        'the product images differ from the earlier run; the kept segments were made with the earlier ones.',
    })
  }
  for (const record of records) {
    const prev = records.find((r) => r.index === record.index - 1)
    if (
      !prev ||
      retried.has(record.index) ||
      !retried.has(prev.index) ||
      prev.lastFrame.path === null
    )
      continue
    warnings.push({
      code: 'KF_003',
      message: record.firstFrame.inherited
        ? `segment ${record.index} (${record.label}) keeps its last frame, which was rendered from the earlier first frame; ` +
          `add ${record.index} to retry-segments for a seamless clip from the new one.`
        : `segment ${record.index} (${record.label}) keeps a first frame that was generated because segment ${prev.index} had no last frame; ` +
          `add ${record.index} to retry-segments to inherit the new last frame.`,
    })
  }
  return warnings
}
