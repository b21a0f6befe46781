import { describe, expect, it } from 'vitest'
import type { ComfyClient } from '../../../src/providers/comfyui/client.js'
import { PromptFollower } from '../../../src/providers/comfyui/follow.js'
import type { ComfyEvent } from '../../../src/providers/comfyui/ws-frames.js'
import type { HistoryEntry, QueueSnapshot } from '../../../src/providers/comfyui/types.js'
import { MemoryLogger } from '../../../src/core/logger.js'

/** A stand-in for the REST client: scripted /history and /queue answers, calls counted. */
function stubClient(
  history: () => HistoryEntry | undefined,
  queue: () => QueueSnapshot,
): ComfyClient & { calls: string[] } {
  const calls: string[] = []
  return {
    url: 'http://stub',
    calls,
    history: async () => {
      calls.push('history')
      return history()
    },
    queue: async () => {
      calls.push('queue')
      return queue()
    },
  } as unknown as ComfyClient & { calls: string[] }
}

const msg = (type: string, data: Record<string, unknown>): ComfyEvent => ({
  kind: 'message',
  type,
  data,
})
const DONE: HistoryEntry = {
  outputs: { '9': { images: [{ filename: 'a.png', subfolder: '', type: 'output' }] } },
  status: { status_str: 'success', completed: true, messages: [] },
}

describe('PromptFollower', () => {
  it('keeps events that arrived before the prompt id was known, and ignores other prompts', async () => {
    const client = stubClient(
      () => DONE,
      () => ({ running: [], pending: [] }),
    )
    const logger = new MemoryLogger()
    const follower = new PromptFollower(client, {
      signal: AbortSignal.timeout(5000),
      logger,
      label: 'L',
      progressIntervalMs: 0,
      pollIntervalMs: 60_000,
    })
    // No socket attached: the follower would poll; a huge poll interval means it must use events.
    follower.onEvent(
      msg('execution_interrupted', { prompt_id: 'other', node_id: '3', node_type: 'KSampler' }),
    )
    follower.onEvent(msg('progress', { value: 5, max: 999, prompt_id: 'other' }))
    follower.onEvent(msg('executing', { node: null, prompt_id: 'other' }))
    follower.onEvent(msg('execution_start', { prompt_id: 'ours' }))
    follower.onEvent(msg('progress', { value: 1, max: 2, prompt_id: 'ours', node: '3' }))
    follower.onEvent(msg('executing', { node: null, prompt_id: 'ours' }))
    const done = await follower.wait('ours', performance.now())
    expect(done.signal).toBe('executing_null')
    expect(done.entry).toBe(DONE)
    expect(logger.lines.map((l) => l.message).join('\n')).not.toContain('999')
  })

  it('raises COMFY_002 when the prompt is neither queued, running nor in the history', async () => {
    const client = stubClient(
      () => undefined,
      () => ({ running: ['x'], pending: [] }),
    )
    const follower = new PromptFollower(client, {
      signal: AbortSignal.timeout(5000),
      logger: new MemoryLogger(),
      label: 'L',
      pollIntervalMs: 10,
    })
    await expect(follower.wait('gone', performance.now())).rejects.toThrow(
      'COMFY_002: L: the prompt is neither queued, running nor in the history (deleted from the queue, or the server restarted).',
    )
    expect(client.calls.filter((c) => c === 'queue').length).toBe(2)
  })

  it('keeps waiting while /history answers {} and /queue lists the prompt', async () => {
    let polls = 0
    const client = stubClient(
      () => (++polls > 4 ? DONE : undefined),
      () => ({ running: [], pending: ['slow'] }),
    )
    const follower = new PromptFollower(client, {
      signal: AbortSignal.timeout(5000),
      logger: new MemoryLogger(),
      label: 'L',
      pollIntervalMs: 10,
    })
    const done = await follower.wait('slow', performance.now())
    expect(done).toMatchObject({ signal: 'history', historyPolls: 5 })
  })

  it('rethrows the abort reason', async () => {
    const client = stubClient(
      () => undefined,
      () => ({ running: ['slow'], pending: [] }),
    )
    const controller = new AbortController()
    const follower = new PromptFollower(client, {
      signal: controller.signal,
      logger: new MemoryLogger(),
      label: 'L',
      pollIntervalMs: 10,
    })
    setTimeout(() => controller.abort(new Error('stop')), 50)
    await expect(follower.wait('slow', performance.now())).rejects.toThrow(
      'RUN_001: The run was cancelled.',
    )
  })
})
