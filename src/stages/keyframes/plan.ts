import { KamuiError } from '../../core/errors.js'
import type { Composition, FrameSteps, MadeFrame } from './frame-steps.js'
import type { GraphNode, NodeOutcome } from './graph.js'
import type { KeyframeRecord } from './keyframes-file.js'
import type { FrameKind } from './prompts.js'
import type { Segment } from './storyboard.js'

/**
 * The dependency graph of a storyboard's keyframes (SPEC §6):
 *
 * - `compose:1:first` and every `compose:n:last`: compositions, which need no image, so they
 *   all start at once;
 * - `frame:1:first`: the Hook's first frame, rendered after its composition;
 * - `frame:n:first` (n > 1): inherited from `frame:(n−1):last` once that has finished; when it
 *   failed, a first frame is composed and rendered instead (the fallback);
 * - `frame:n:last`: rendered after its composition and its segment's first frame (its reference).
 *
 * Listed in storyboard order, which is also the order of the `sequential` schedule. Segments
 * kept from an earlier run (retry-segments) have no compose steps: their frames are read back;
 * a kept first frame that was inherited is copied again when the previous segment was redone,
 * so it stays identical to its source.
 */

/** The steps the graph calls (see {@link FrameSteps}). */
export type PlanSteps = Pick<FrameSteps, 'compose' | 'render' | 'inherit' | 'reuse'>

/** A frame of a kept segment that had failed in the earlier run (it stays failed). */
export class KeptFailure extends Error {
  override readonly name = 'KeptFailure'
  constructor(readonly record: KeyframeRecord) {
    super(record.error?.message ?? 'failed in the earlier run')
  }
}

/** The step ids of a frame. */
export const stepId = {
  compose: (segment: number, kind: FrameKind): string => `compose:${segment}:${kind}`,
  frame: (segment: number, kind: FrameKind): string => `frame:${segment}:${kind}`,
}

/**
 * The graph's steps for `segments`.
 *
 * @param kept segments to keep from an earlier run, by index, with their two recorded frames
 */
export function keyframeNodes(
  segments: readonly Segment[],
  steps: PlanSteps,
  kept: ReadonlyMap<number, { first: KeyframeRecord; last: KeyframeRecord }> = new Map(),
): GraphNode[] {
  return segments.flatMap((segment, i) => {
    const previous = segments[i - 1]
    const keep = kept.get(segment.index)
    if (keep) {
      const redone = previous !== undefined && !kept.has(previous.index)
      return keptNodes(segment, previous, keep, redone, steps)
    }
    return [
      ...(previous
        ? [inheritedFirstNode(segment, previous, steps)]
        : hookFirstNodes(segment, steps)),
      ...lastFrameNodes(segment, steps),
    ]
  })
}

/** The frames of a kept segment, read back; an inherited first frame is copied again when the previous segment was redone. */
function keptNodes(
  segment: Segment,
  previous: Segment | undefined,
  keep: { first: KeyframeRecord; last: KeyframeRecord },
  previousRedone: boolean,
  steps: PlanSteps,
): GraphNode[] {
  const prevLast = previous ? stepId.frame(previous.index, 'last') : undefined
  return [
    {
      id: stepId.frame(segment.index, 'first'),
      needs: [],
      ...(prevLast ? { after: [prevLast] } : {}),
      run: async (results) => {
        const source = prevLast ? results.outcome(prevLast) : undefined
        if (keep.first.inherited && previous && previousRedone && source?.status === 'fulfilled') {
          return steps.inherit(segment, previous, source.value as MadeFrame)
        }
        return reuse(steps, keep.first)
      },
    },
    { id: stepId.frame(segment.index, 'last'), needs: [], run: () => reuse(steps, keep.last) },
  ]
}

/** The Hook's first frame: composed, then rendered. */
function hookFirstNodes(segment: Segment, steps: PlanSteps): GraphNode[] {
  const compose = stepId.compose(segment.index, 'first')
  return [
    { id: compose, needs: [], run: () => steps.compose(segment, 'first') },
    {
      id: stepId.frame(segment.index, 'first'),
      needs: [compose],
      run: (results) => steps.render(segment, 'first', results.value<Composition>(compose), null),
    },
  ]
}

/** A later first frame: the previous last frame, copied; composed and rendered when that failed. */
function inheritedFirstNode(segment: Segment, previous: Segment, steps: PlanSteps): GraphNode {
  const prevLast = stepId.frame(previous.index, 'last')
  return {
    id: stepId.frame(segment.index, 'first'),
    needs: [],
    after: [prevLast],
    run: async (results) => {
      const source = results.outcome(prevLast) as NodeOutcome
      if (source.status === 'fulfilled')
        return steps.inherit(segment, previous, source.value as MadeFrame)
      const fallback =
        `the last frame of segment ${previous.index} (${previous.label}) is missing (${reasonText(source.reason)}); ` +
        'this first frame was generated instead of inherited.'
      const composition = await steps.compose(segment, 'first')
      return steps.render(segment, 'first', composition, null, fallback)
    },
  }
}

/** A last frame: composed, then rendered with its segment's first frame as reference. */
function lastFrameNodes(segment: Segment, steps: PlanSteps): GraphNode[] {
  const compose = stepId.compose(segment.index, 'last')
  const first = stepId.frame(segment.index, 'first')
  return [
    { id: compose, needs: [], run: () => steps.compose(segment, 'last') },
    {
      id: stepId.frame(segment.index, 'last'),
      needs: [compose, first],
      run: (results) =>
        steps.render(
          segment,
          'last',
          results.value<Composition>(compose),
          results.value<MadeFrame>(first),
        ),
    },
  ]
}

async function reuse(steps: PlanSteps, record: KeyframeRecord): Promise<MadeFrame> {
  if (record.path === null) throw new KeptFailure(record)
  return steps.reuse(record)
}

/** A short text for why a step failed. */
export function reasonText(reason: unknown): string {
  if (reason instanceof KamuiError) return reason.message
  if (reason instanceof Error) {
    const cause = (reason as { error?: unknown }).error
    if (cause instanceof KamuiError) return cause.message
    return reason.message
  }
  return String(reason)
}
