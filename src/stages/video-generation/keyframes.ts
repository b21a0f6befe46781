import { existsSync } from 'node:fs'
import path from 'node:path'
import { KamuiError } from '../../core/errors.js'
import { isInside } from '../../core/workspace.js'
import {
  KeyframesHandoffSchema,
  type KeyframeRef,
  type KeyframeSegmentHandoff,
} from '../../contracts/keyframes-handoff.js'
import { readKeyframesJson } from '../../contracts/keyframes-json.js'

/** Where a frame can be taken from, in the order to try. */
export interface FrameCandidate {
  kind: 'url' | 'path'
  value: string
  /** Where it came from, for messages (`google-image-url`, `keyframes segment 2 firstFrame.url`). */
  origin: string
}

/** One clip to make. */
export interface ClipPlan {
  /** N of videos/segment-{N}.mp4. */
  segment: number
  prompt: string
  durationS: number
  /** Candidates for the first frame, in order. */
  first: FrameCandidate[]
  /** Candidates for the last frame, in order; empty when the clip has no last frame. */
  last: FrameCandidate[]
  /**
   * True when each frame's candidates are copies of one frame (a keyframe's URL and its file):
   * a provider that renders locally then takes the file first instead of downloading the URL.
   */
  alternatives: boolean
}

/**
 * Reads a keyframes.json (the handoff contract of src/contracts/keyframes-handoff.ts) and plans
 * one clip per segment, in file order.
 *
 * @param file absolute path of the keyframes.json
 * @param workspace frames must lie inside it
 * @param prompt the video-prompt input; a segment's description is appended to it
 * @param defaultDurationS used for segments without a duration
 * @throws KamuiError KF_002 when the file cannot be read or does not match
 *   {@link KeyframesHandoffSchema}; VID_003 for a failed segment, a segment without a first or
 *   last frame, duplicate indices, or a frame path outside the workspace
 */
export async function planFromKeyframes(
  file: string,
  workspace: string,
  prompt: string,
  defaultDurationS: number,
): Promise<ClipPlan[]> {
  const data = await readKeyframesJson(file, `keyframes file ${file}`)
  const parsed = KeyframesHandoffSchema.safeParse(data)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new KamuiError('KF_002', `keyframes file ${file} is not usable: ${issues.join('; ')}.`)
  }
  const base = path.dirname(file)
  const seen = new Set<number>()
  return parsed.data.segments.map((segment) => {
    const n = segment.index
    if (seen.has(n)) throw new KamuiError('VID_003', `keyframes: segment index ${n} appears twice.`)
    seen.add(n)
    return planSegment(segment, base, workspace, prompt, defaultDurationS)
  })
}

/**
 * Plans the clip of one keyframes segment (see {@link planFromKeyframes}).
 *
 * @param base folder the segment's relative frame paths are taken from (the keyframes.json's)
 * @throws KamuiError VID_003 for a failed segment or a segment without a first or last frame,
 *   FS_001 for a frame path outside the workspace
 */
export function planSegment(
  segment: KeyframeSegmentHandoff,
  base: string,
  workspace: string,
  prompt: string,
  defaultDurationS: number,
): ClipPlan {
  const n = segment.index
  if (segment.status === 'failed') {
    const reason = segment.error?.message ? `: ${segment.error.message}` : ''
    throw new KamuiError(
      'VID_003',
      `keyframes segment ${n} failed in the keyframes stage${reason}. Retry it there (retry-segments) first.`,
    )
  }
  const description = segment.description?.trim()
  return {
    segment: n,
    prompt: description ? `${prompt}\n\n${description}` : prompt,
    durationS: segment.duration ?? defaultDurationS,
    first: candidates(segment.firstFrame, n, 'firstFrame', base, workspace),
    last: candidates(segment.lastFrame, n, 'lastFrame', base, workspace),
    alternatives: true,
  }
}

function candidates(
  ref: KeyframeRef | null,
  segment: number,
  field: string,
  base: string,
  workspace: string,
): FrameCandidate[] {
  const where = `keyframes segment ${segment} ${field}`
  const { path: rel, url } = typeof ref === 'string' ? { path: ref, url: null } : (ref ?? {})
  const out: FrameCandidate[] = []
  if (url && /^https?:\/\//i.test(url))
    out.push({ kind: 'url', value: url, origin: `${where}.url` })
  if (rel) {
    const fromFile = path.resolve(base, rel)
    const fromWorkspace = path.resolve(workspace, rel)
    // A path written relative to the workspace instead of the file's folder is accepted too.
    const chosen = !existsSync(fromFile) && existsSync(fromWorkspace) ? fromWorkspace : fromFile
    if (!isInside(path.resolve(workspace), chosen)) {
      throw new KamuiError('FS_001', `${where} "${rel}" lies outside the workspace.`)
    }
    out.push({ kind: 'path', value: chosen, origin: `${where}.path` })
  }
  if (out.length === 0) {
    throw new KamuiError(
      'VID_003',
      `${where} has neither a path nor a URL: the segment has no ${field}.`,
    )
  }
  return out
}
