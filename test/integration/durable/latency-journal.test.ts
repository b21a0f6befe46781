import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JournalCompletedLine } from '../../../src/contracts/journal.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { parseJournal, RunJournal } from '../../../src/runner/journal.js'
import { latencyModelKey, ModelLatencies } from '../../../src/runner/model-latency.js'
import {
  startFakeKamui,
  type FakeKamuiCall,
  type FakeKamuiHandle,
} from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

const LATENCY_MS = 4000
const SERVER = 't2i-kamui-imagen4-fast'

/**
 * Issue 12 §1: the poll schedule learns a model's latency "from earlier runs through the
 * journal". A run journals when each followed job became ready; the next run of the folder
 * starts from that estimate, so its first job skips ahead to the window around 4 s instead of
 * walking the backoff grid (8 status calls for a 4 s job alone, see poll-schedule.ts).
 */
describe('latencies learned by an earlier run of the folder (issue 12)', () => {
  let server: FakeKamuiHandle
  let workspace: string

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: LATENCY_MS, longSide: 64 })
    workspace = await tempWorkspace('kamui-latency-')
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  const args = (prompt: string): string[] => [
    'image-generation-v2',
    '--image-prompt',
    prompt,
    '--folder-name',
    'out/latency',
    '--image-count',
    '1',
    '--models',
    'imagen4-fast',
    '--image-size',
    '64x64',
    '--quality-scorer',
    'none',
    '--mcp-config',
    JSON.stringify({ mcpServers: { [SERVER]: server.entry() } }),
  ]

  /** Status calls of the one job submitted after `from` calls of the server's log. */
  async function statusCallsOfNewJob(from: number): Promise<FakeKamuiCall[]> {
    const calls = (await server.calls()).slice(from)
    const submits = calls.filter((c) => c.tool === 'imagen4_fast_submit' && c.request_id)
    expect(submits).toHaveLength(1)
    const id = submits[0]?.request_id
    return calls.filter((c) => c.tool === 'imagen4_fast_status' && c.args['request_id'] === id)
  }

  it('journals the ready window, and the next run polls on the estimate it gives', async () => {
    const journalFile = path.join(workspace, 'out/latency/metadata/journal.jsonl')
    const first = await runKamui(args('a red kite over the dunes'), {
      cwd: workspace,
      timeoutMs: 60_000,
      env: { KAMUI_ALLOW_PRIVATE_NETWORK: 'true' },
    })
    expect(first.code, first.stderr).toBe(0)
    const firstStatus = await statusCallsOfNewJob(0)

    const completed = parseJournal(await readFile(journalFile, 'utf8')).lines.filter(
      (l): l is JournalCompletedLine => l.event === 'completed',
    )
    expect(completed).toHaveLength(1)
    const line = completed[0] as JournalCompletedLine
    // Ready at the server 4 s after the submit: after the last "in progress" call, by the
    // call that saw it completed (client clock, from just before the submit was sent).
    expect(line.ready_by_ms).toBeGreaterThanOrEqual(LATENCY_MS)
    expect(line.ready_after_ms).toBeLessThan(line.ready_by_ms as number)
    expect(line.ready_after_ms).toBeGreaterThan(LATENCY_MS - 2000)

    // The journal hands the window to the next run's estimates, keyed by server and submit tool.
    const journal = await RunJournal.open(path.dirname(path.dirname(journalFile)), {
      resume: 'auto',
      logger: new MemoryLogger(),
    })
    const model = latencyModelKey(SERVER, 'imagen4_fast_submit')
    expect(journal.readyWindows()).toEqual([
      { model, afterMs: line.ready_after_ms, byMs: line.ready_by_ms },
    ])
    const latencies = new ModelLatencies()
    for (const seen of journal.readyWindows())
      latencies.observe(seen.model, seen.afterMs, seen.byMs)
    const estimate = latencies.estimate(model)
    expect(estimate?.expectedMs).toBeGreaterThan(LATENCY_MS - 1000)
    expect(estimate?.expectedMs).toBeLessThan(LATENCY_MS + 1000)

    // A new prompt is a new job in the same folder: its schedule starts from that estimate.
    const before = (await server.calls()).length
    const second = await runKamui(args('a blue kite over the sea'), {
      cwd: workspace,
      timeoutMs: 60_000,
      env: { KAMUI_ALLOW_PRIVATE_NETWORK: 'true' },
    })
    expect(second.code, second.stderr).toBe(0)
    const secondStatus = await statusCallsOfNewJob(before)
    // Without an estimate: 125 ms, then every 600 ms and more: 8 calls to see a 4 s job done.
    expect(firstStatus.length).toBeGreaterThanOrEqual(7)
    // With it: the 125 ms check, about two on the approach, then the window around 4 s.
    expect(secondStatus.length).toBeLessThanOrEqual(firstStatus.length - 2)
    const secondCompleted = parseJournal(await readFile(journalFile, 'utf8')).lines.filter(
      (l) => l.event === 'completed',
    )
    expect(secondCompleted).toHaveLength(2)
  })
})
