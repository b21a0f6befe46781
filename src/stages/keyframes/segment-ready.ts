import type { ReadyKeyframeSegment } from '../../contracts/keyframes-handoff.js'
import type { MadeFrame } from './frame-steps.js'
import type { GraphNode } from './graph.js'
import { stepId } from './plan.js'
import type { Segment } from './storyboard.js'

/**
 * Wraps the frame steps of `nodes` so that `onReady` hears of each segment as soon as both its
 * frames are made, while the other segments are still being made (the pipeline starts each
 * video clip then). A segment that fails is never announced. `onReady` must not throw.
 */
export function announceReadySegments(
  nodes: readonly GraphNode[],
  segments: readonly Segment[],
  onReady: ((segment: ReadyKeyframeSegment) => void) | undefined,
): GraphNode[] {
  if (!onReady) return [...nodes]
  const made = new Map<string, MadeFrame>()
  const ids = new Map<string, Segment>()
  for (const segment of segments) {
    ids.set(stepId.frame(segment.index, 'first'), segment)
    ids.set(stepId.frame(segment.index, 'last'), segment)
  }
  return nodes.map((node) => {
    const segment = ids.get(node.id)
    if (!segment) return node
    return {
      ...node,
      run: async (results) => {
        const frame = (await node.run(results)) as MadeFrame
        made.set(node.id, frame)
        const first = made.get(stepId.frame(segment.index, 'first'))
        const last = made.get(stepId.frame(segment.index, 'last'))
        if (first && last) {
          onReady({
            index: segment.index,
            description: segment.description,
            duration: segment.duration,
            status: 'complete',
            firstFrame: { path: first.record.path, url: first.record.url },
            lastFrame: { path: last.record.path, url: last.record.url },
          })
        }
        return frame
      },
    }
  })
}
