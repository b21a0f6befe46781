import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import type { Composition, MadeFrame } from '../../../src/stages/keyframes/frame-steps.js'
import { runGraph, SkippedError, type GraphNode } from '../../../src/stages/keyframes/graph.js'
import { keyframeNodes, type PlanSteps } from '../../../src/stages/keyframes/plan.js'
import { missingFrame, segmentRecords } from '../../../src/stages/keyframes/records.js'
import { labelSegments } from '../../../src/stages/keyframes/storyboard.js'

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('runGraph', () => {
  it('starts a step as soon as its needs are done, and skips it when one failed', async () => {
    const order: string[] = []
    const node = (id: string, needs: string[], fail = false, ms = 10): GraphNode => ({
      id,
      needs,
      run: async () => {
        order.push(`start ${id}`)
        await sleep(ms)
        if (fail) throw new Error(`${id} broke`)
        return id
      },
    })
    const outcomes = await runGraph(
      [node('a', []), node('b', [], true), node('c', ['a']), node('d', ['b']), node('e', ['c'])],
      'graph',
    )
    expect(order.slice(0, 2)).toEqual(['start a', 'start b'])
    expect(outcomes.get('c')?.status).toBe('fulfilled')
    const d = outcomes.get('d')
    expect(d?.status).toBe('rejected')
    expect(d?.status === 'rejected' && d.reason).toBeInstanceOf(SkippedError)
    expect(order).not.toContain('start d')
  })

  it('runs `after` steps once their predecessor settled, either way', async () => {
    const outcomes = await runGraph(
      [
        { id: 'a', needs: [], run: () => Promise.reject(new Error('no')) },
        { id: 'b', needs: [], after: ['a'], run: (r) => Promise.resolve(r.outcome('a')?.status) },
      ],
      'graph',
    )
    expect(outcomes.get('b')).toMatchObject({ status: 'fulfilled', value: 'rejected' })
  })

  it('runs one step at a time in list order when sequential', async () => {
    let running = 0
    let most = 0
    const node = (id: string): GraphNode => ({
      id,
      needs: [],
      run: async () => {
        most = Math.max(most, ++running)
        await sleep(5)
        running--
      },
    })
    const started = performance.now()
    await runGraph([node('a'), node('b'), node('c')], 'sequential')
    expect(most).toBe(1)
    expect(performance.now() - started).toBeGreaterThanOrEqual(14)
  })

  it('refuses a step that depends on a later one (no cycles possible)', async () => {
    await expect(
      runGraph([{ id: 'a', needs: ['b'], run: async () => 1 }], 'graph'),
    ).rejects.toThrow(/does not come before it/)
  })
})

const segments = labelSegments([
  { type: 'hook', description: 'h', duration: 5 },
  { type: 'body', description: 'b1', duration: 5 },
  { type: 'body', description: 'b2', duration: 5 },
  { type: 'cta', description: 'c', duration: 4 },
])

/** Plan steps that record what they were asked, each taking `ms`. */
function fakeSteps(ms: number, failRender?: string): { steps: PlanSteps; log: string[] } {
  const log: string[] = []
  const frame = (id: string, inherited = false): MadeFrame =>
    ({
      record: {
        ...missingFrame('first', new Error('x')),
        path: `${id}.png`,
        status: inherited ? 'inherited' : 'generated',
        inherited,
      },
      png: Buffer.from(id),
      freshUrl: null,
      gpuMemory: null,
    }) as MadeFrame
  const steps: PlanSteps = {
    compose: async (segment, kind) => {
      log.push(`compose ${segment.index}:${kind}`)
      await sleep(ms)
      return { text: `${segment.index}:${kind}` } as Composition
    },
    render: async (segment, kind, composition, first, fallback) => {
      log.push(
        `render ${segment.index}:${kind} from ${composition.text}${first ? ` ref ${first.png.toString()}` : ''}${fallback ? ' fallback' : ''}`,
      )
      await sleep(ms)
      if (failRender === `${segment.index}:${kind}`) {
        throw new KamuiError('GEN_001', 'render refused')
      }
      return frame(`${segment.index}:${kind}`)
    },
    inherit: async (segment, previous, source) => {
      log.push(
        `inherit ${segment.index}:first from ${previous.index}:last (${source.png.toString()})`,
      )
      return frame(`${segment.index}:first`, true)
    },
    reuse: async (record) => ({
      record,
      png: Buffer.from(record.path ?? ''),
      freshUrl: null,
      gpuMemory: null,
    }),
  }
  return { steps, log }
}

describe('keyframeNodes', () => {
  it('has compositions without needs, renders that wait for their composition and first frame, and inheritance', () => {
    const { steps } = fakeSteps(0)
    const nodes = keyframeNodes(segments, steps)
    const deps = Object.fromEntries(
      nodes.map((n) => [n.id, [...n.needs, ...(n.after ?? []).map((a) => `after ${a}`)]]),
    )
    expect(deps).toEqual({
      'compose:1:first': [],
      'frame:1:first': ['compose:1:first'],
      'compose:1:last': [],
      'frame:1:last': ['compose:1:last', 'frame:1:first'],
      'frame:2:first': ['after frame:1:last'],
      'compose:2:last': [],
      'frame:2:last': ['compose:2:last', 'frame:2:first'],
      'frame:3:first': ['after frame:2:last'],
      'compose:3:last': [],
      'frame:3:last': ['compose:3:last', 'frame:3:first'],
      'frame:4:first': ['after frame:3:last'],
      'compose:4:last': [],
      'frame:4:last': ['compose:4:last', 'frame:4:first'],
    })
  })

  it('runs all compositions at once, then the render chain; each last frame gets its first frame as reference', async () => {
    const { steps, log } = fakeSteps(20)
    const outcomes = await runGraph(keyframeNodes(segments, steps), 'graph')
    expect(log.slice(0, 5).every((l) => l.startsWith('compose'))).toBe(true)
    expect(log.slice(5)).toEqual([
      'render 1:first from 1:first',
      'render 1:last from 1:last ref 1:first',
      'inherit 2:first from 1:last (1:last)',
      'render 2:last from 2:last ref 2:first',
      'inherit 3:first from 2:last (2:last)',
      'render 3:last from 3:last ref 3:first',
      'inherit 4:first from 3:last (3:last)',
      'render 4:last from 4:last ref 4:first',
    ])
    const { records } = segmentRecords(segments, outcomes, new Set())
    expect(records.map((r) => r.status)).toEqual(['complete', 'complete', 'complete', 'complete'])
  })

  it('generates a first frame when the previous last frame is missing, and marks the failed segment', async () => {
    const { steps, log } = fakeSteps(1, '2:last')
    const outcomes = await runGraph(keyframeNodes(segments, steps), 'sequential')
    expect(log).toContain('compose 3:first')
    expect(log).toContain('render 3:first from 3:first fallback')
    const { records } = segmentRecords(segments, outcomes, new Set())
    expect(records.map((r) => r.status)).toEqual(['complete', 'failed', 'complete', 'complete'])
    expect(records[1]?.error).toEqual({
      code: 'KF_003',
      message: 'segment 2 (Body 1) failed: last frame: GEN_001: render refused',
    })
  })

  it('skips a last frame whose first frame failed, with the reason', async () => {
    const { steps } = fakeSteps(1, '1:first')
    const outcomes = await runGraph(keyframeNodes(segments, steps), 'graph')
    const { records } = segmentRecords(segments, outcomes, new Set())
    expect(records[0]?.lastFrame).toMatchObject({
      status: 'skipped',
      error: {
        code: 'GEN_001',
        message:
          'not rendered because the first frame of this segment failed: GEN_001: render refused',
      },
    })
  })

  it('keeps the frames of segments not being retried and re-copies an inherited first frame after a redone segment', async () => {
    const { steps, log } = fakeSteps(1)
    const keptRecord = (path: string, inherited = false) => ({
      ...missingFrame('first', new Error('x')),
      path,
      inherited,
      status: 'generated' as const,
    })
    const kept = new Map([
      [1, { first: keptRecord('k1f'), last: keptRecord('k1l') }],
      [3, { first: keptRecord('k3f', true), last: keptRecord('k3l') }],
      [4, { first: keptRecord('k4f', true), last: keptRecord('k4l') }],
    ])
    await runGraph(keyframeNodes(segments, steps, kept), 'graph')
    expect(log).toEqual([
      'compose 2:last',
      'inherit 2:first from 1:last (k1l)',
      'render 2:last from 2:last ref 2:first',
      'inherit 3:first from 2:last (2:last)',
    ])
  })
})
