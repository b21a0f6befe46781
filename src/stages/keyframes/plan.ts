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
  const nodes: GraphNode[] = []
  segments.forEach((segment, i) => {
    const n = segment.index
    const previous = segments[i - 1]
    const keep = kept.get(n)
    const prevLast = previous ? stepId.frame(previous.index, 'last') : undefined
    if (keep) {
      nodes.push({
        id: stepId.frame(n, 'first'),
        needs: [],
        ...(prevLast ? { after: [prevLast] } : {}),
        run: async (results) => {
          const source = prevLast ? results.outcome(prevLast) : undefined
          const redone = previous !== undefined && !kept.has(previous.index)
          if (keep.first.inherited && previous && redone && source?.status === 'fulfilled') {
            return steps.inherit(segment, previous, source.value as MadeFrame)
          }
          return reuse(steps, keep.first)
        },
      })
      nodes.push({
        id: stepId.frame(n, 'last'),
        needs: [],
        run: () => reuse(steps, keep.last),
      })
      return
    }
    if (!previous) {
      nodes.push({
        id: stepId.compose(n, 'first'),
        needs: [],
        run: () => steps.compose(segment, 'first'),
      })
      nodes.push({
        id: stepId.frame(n, 'first'),
        needs: [stepId.compose(n, 'first')],
        run: (results) =>
          steps.render(
            segment,
            'first',
            results.value<Composition>(stepId.compose(n, 'first')),
            null,
          ),
      })
    } else {
      nodes.push({
        id: stepId.frame(n, 'first'),
        needs: [],
        after: [prevLast as string],
        run: async (results) => {
          const source = results.outcome(prevLast as string) as NodeOutcome
          if (source.status === 'fulfilled')
            return steps.inherit(segment, previous, source.value as MadeFrame)
          const fallback =
            `the last frame of segment ${previous.index} (${previous.label}) is missing (${reasonText(source.reason)}); ` +
            'this first frame was generated instead of inherited.'
          const composition = await steps.compose(segment, 'first')
          return steps.render(segment, 'first', composition, null, fallback)
        },
      })
    }
    nodes.push({
      id: stepId.compose(n, 'last'),
      needs: [],
      run: () => steps.compose(segment, 'last'),
    })
    nodes.push({
      id: stepId.frame(n, 'last'),
      needs: [stepId.compose(n, 'last'), stepId.frame(n, 'first')],
      run: (results) =>
        steps.render(
          segment,
          'last',
          results.value<Composition>(stepId.compose(n, 'last')),
          results.value<MadeFrame>(stepId.frame(n, 'first')),
        ),
    })
  })
  return nodes
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
