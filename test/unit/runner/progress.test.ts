import { afterEach, describe, expect, it } from 'vitest'
import type { ProgressEvent } from '../../../src/core/progress-event.js'
import { MemoryLogger, silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { ComfyClient } from '../../../src/providers/comfyui/client.js'
import { PromptFollower } from '../../../src/providers/comfyui/follow.js'
import type { ComfyEvent } from '../../../src/providers/comfyui/ws-frames.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import type { McpModelJob } from '../../../src/providers/kinds/job.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import {
  ProgressHub,
  fractionOf,
  progressHooks,
  stageProgress,
} from '../../../src/runner/progress.js'
import { fakeConnect, text, type FakeServerSpec } from '../mcp/fake-servers.js'

const ctx = { logger: silentLogger, redactor: new Redactor(), env: {} }
const entry: McpServerEntry = { kind: 'stdio', command: 'unused', args: [], env: {} }
const pools: McpPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})

function poolOf(spec: FakeServerSpec): McpPool {
  const { connect } = fakeConnect({ s: spec })
  const made = new McpPool({ s: entry }, ctx, { connect })
  pools.push(made)
  return made
}

/** A triple whose job reports IN_PROGRESS twice, then COMPLETED (or FAILED). */
function triple(outcome: 'COMPLETED' | 'FAILED'): FakeServerSpec {
  let calls = 0
  return {
    tools: [
      { name: 'm_submit', properties: {}, handler: () => text('{"request_id": "r1"}') },
      {
        name: 'm_status',
        properties: { request_id: {} },
        handler: () => text(`{"status": "${++calls >= 3 ? outcome : 'IN_PROGRESS'}"}`),
      },
      {
        name: 'm_result',
        properties: { request_id: {} },
        handler: () => text('{"images": [{"url": "https://example.com/a.png"}]}'),
      },
    ],
  }
}

const job: McpModelJob = {
  provider: 'mcp',
  label: 'segment 2 (m)',
  call: { type: 'async', submit: 'm_submit', status: 'm_status', result: 'm_result' },
  args: {},
  pollIntervalMs: 5,
  answer: 'media',
}

function recorded(): { hub: ProgressHub; events: ProgressEvent[] } {
  const hub = new ProgressHub()
  const events: ProgressEvent[] = []
  hub.subscribe((e) => events.push(e))
  return { hub, events }
}

describe('the progress stream of the job runner', () => {
  it('turns submit, the triple status strings and the end into one job stream', async () => {
    const { hub, events } = recorded()
    const stage = stageProgress(hub, 'segments', { total: 5, unit: 'segments' })
    const seenByCaller: string[] = []
    const runner = new JobRunner(
      { mcp: poolOf(triple('COMPLETED')) },
      progressHooks(
        stage,
        {},
        { partOf: (j) => ({ index: Number(/\d+/.exec(j.label)?.[0]), total: 5 }) },
      ),
    )
    await runner.run(job, {
      signal: new AbortController().signal,
      logger: silentLogger,
      onStatus: (status) => void seenByCaller.push(status),
    })
    stage.end({ made: 1, failed: 0, reused: 0, costUsd: null })
    const phases = events.map((e) => (e.kind === 'job' ? `${e.phase}:${e.source}` : e.phase))
    expect(phases).toEqual([
      'start',
      'submitted:runner',
      'running:mcp-status',
      'running:mcp-status',
      'done:runner',
      'end',
    ])
    const running = events.find((e) => e.kind === 'job' && e.phase === 'running')
    expect(running).toMatchObject({
      stage: 'segments',
      label: 'segment 2 (m)',
      part: { index: 2, total: 5 },
      message: expect.stringMatching(/^in progress \(\d+ s\)$/),
    })
    // The caller's own status callback still runs.
    expect(seenByCaller).toEqual(['pending', 'pending', 'completed'])
    expect(events.at(-1)).toMatchObject({ summary: { made: 1, costUsd: null } })
  })

  it('ends a failed job with its error code', async () => {
    const { hub, events } = recorded()
    const stage = stageProgress(hub, 'images')
    const runner = new JobRunner({ mcp: poolOf(triple('FAILED')) }, progressHooks(stage))
    await expect(
      runner.run(job, { signal: new AbortController().signal, logger: silentLogger }),
    ).rejects.toThrow()
    expect(events.at(-1)).toMatchObject({ kind: 'job', phase: 'failed', code: 'GEN_001' })
  })

  it('ignores events after a final phase and after the stage ended', () => {
    const { hub, events } = recorded()
    const stage = stageProgress(hub, 'images', { now: () => 1000 })
    const j = stage.job('a')
    j.done(0.04)
    j.running('mcp-progress', { fraction: 0.5 })
    j.failed(new Error('late'))
    stage.end()
    stage.job('b').submitted()
    expect(events).toEqual([
      { kind: 'stage', stage: 'images', phase: 'start', atMs: 1000 },
      {
        kind: 'job',
        stage: 'images',
        job: 'a',
        label: 'a',
        phase: 'done',
        source: 'runner',
        atMs: 1000,
        costUsd: 0.04,
      },
      { kind: 'stage', stage: 'images', phase: 'end', atMs: 1000 },
    ])
  })

  it('keeps going when a listener throws', () => {
    const hub = new ProgressHub()
    const seen: string[] = []
    hub.subscribe(() => {
      throw new Error('display broke')
    })
    const off = hub.subscribe((e) => void seen.push(e.kind))
    hub.emit({ kind: 'stage', stage: 's', phase: 'start', atMs: 0 })
    off()
    hub.emit({ kind: 'stage', stage: 's', phase: 'end', atMs: 0 })
    expect(seen).toEqual(['stage'])
  })

  it('maps MCP progress notifications and task status to running with a fraction', () => {
    const { hub, events } = recorded()
    const j = stageProgress(hub, 'images').job('x')
    j.notification({ progress: 3, total: 4, message: 'denoising' })
    j.notification({ progress: 7 })
    j.task('working', 'rendering')
    expect(
      events.slice(1).map((e) => (e.kind === 'job' ? [e.source, e.fraction, e.message] : [])),
    ).toEqual([
      ['mcp-progress', 0.75, 'denoising'],
      ['mcp-progress', undefined, undefined],
      ['mcp-task', undefined, 'working: rendering'],
    ])
    expect(fractionOf(5, 0)).toBeUndefined()
    expect(fractionOf(12, 10)).toBe(1)
  })
})

describe('ComfyUI sampler steps', () => {
  it('reach onProgress on every step while the log lines stay throttled', async () => {
    const client = {
      url: 'http://stub',
      history: async () => ({
        outputs: {},
        status: { status_str: 'success', completed: true, messages: [] },
      }),
      queue: async () => ({ running: [], pending: [] }),
    } as unknown as ComfyClient
    const steps: { progress: number; total?: number; message?: string }[] = []
    const logger = new MemoryLogger()
    const follower = new PromptFollower(client, {
      signal: AbortSignal.timeout(5000),
      logger,
      label: 'L',
      progressIntervalMs: 60_000,
      pollIntervalMs: 60_000,
      classOf: () => 'KSampler',
      onProgress: (p) => void steps.push(p),
    })
    const msg = (type: string, data: Record<string, unknown>): ComfyEvent => ({
      kind: 'message',
      type,
      data,
    })
    for (const value of [1, 2, 3, 4])
      follower.onEvent(msg('progress', { value, max: 4, prompt_id: 'p', node: '3' }))
    follower.onEvent(msg('executing', { node: null, prompt_id: 'p' }))
    await follower.wait('p', performance.now())
    expect(steps.map((s) => [s.progress, s.total])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ])
    expect(steps[1]?.message).toBe('KSampler step 2/4')
    const logged = logger.lines.filter((l) => l.message.includes('step'))
    expect(logged.length).toBeLessThan(4)
  })
})
