import { describe, expect, it } from 'vitest'
import type { MadeFrame } from '../../../src/stages/keyframes/frame-steps.js'
import { runGraph, type GraphNode } from '../../../src/stages/keyframes/graph.js'
import { stepId } from '../../../src/stages/keyframes/plan.js'
import { announceReadySegments } from '../../../src/stages/keyframes/segment-ready.js'
import type { Segment } from '../../../src/stages/keyframes/storyboard.js'

/** The keyframes stage's hook for the pipeline: a segment is announced once both its frames exist. */

const segment = (index: number): Segment =>
  ({ index, description: `scene ${index}`, duration: 4 + index }) as Segment

const frame = (index: number, kind: 'first' | 'last', url: string | null = null): MadeFrame =>
  ({
    record: { path: `keyframes/segment-${index}-${kind}.png`, url },
    png: Buffer.alloc(0),
    freshUrl: url,
    gpuMemory: null,
  }) as unknown as MadeFrame

describe('announceReadySegments', () => {
  it('announces each segment as soon as both its frames are made, and never a failed one', async () => {
    const log: string[] = []
    const step = (id: string, needs: string[], made: () => MadeFrame): GraphNode => ({
      id,
      needs,
      run: async () => {
        log.push(id)
        return made()
      },
    })
    const nodes: GraphNode[] = [
      step(stepId.frame(1, 'first'), [], () => frame(1, 'first')),
      step(stepId.frame(1, 'last'), [stepId.frame(1, 'first')], () =>
        frame(1, 'last', 'https://cdn.example/1-last.png'),
      ),
      step(stepId.frame(2, 'first'), [stepId.frame(1, 'last')], () => frame(2, 'first')),
      step(stepId.frame(2, 'last'), [stepId.frame(2, 'first')], () => frame(2, 'last')),
      step(stepId.frame(3, 'first'), [stepId.frame(2, 'last')], () => frame(3, 'first')),
      step(stepId.frame(3, 'last'), [stepId.frame(3, 'first')], () => {
        throw new Error('render failed')
      }),
    ]
    const segments = [segment(1), segment(2), segment(3)]
    const wrapped = announceReadySegments(nodes, segments, (s) => log.push(`ready ${s.index}`))
    await runGraph(wrapped, 'graph')
    // Segment 1 is announced right after its last frame, before segment 2's frames are made.
    expect(log).toEqual([
      'frame:1:first',
      'frame:1:last',
      'ready 1',
      'frame:2:first',
      'frame:2:last',
      'ready 2',
      'frame:3:first',
      'frame:3:last',
    ])
    const announced: unknown[] = []
    await runGraph(
      announceReadySegments(nodes.slice(0, 2), segments, (s) => announced.push(s)),
      'graph',
    )
    expect(announced).toEqual([
      {
        index: 1,
        description: 'scene 1',
        duration: 5,
        status: 'complete',
        firstFrame: { path: 'keyframes/segment-1-first.png', url: null },
        lastFrame: { path: 'keyframes/segment-1-last.png', url: 'https://cdn.example/1-last.png' },
      },
    ])
  })

  it('leaves the steps as they are without a listener', () => {
    const nodes: GraphNode[] = [{ id: stepId.frame(1, 'first'), needs: [], run: async () => 1 }]
    expect(announceReadySegments(nodes, [segment(1)], undefined)).toEqual(nodes)
  })
})
