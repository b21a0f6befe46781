import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseJournal } from '../../../src/runner/journal.js'
import { sha256 } from '../../../src/runner/journal-key.js'
import { GenerationReportSchema } from '../../../src/contracts/generation-report.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { journalledSubmits, runAndKill } from '../../helpers/kill-run.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { submitsOf } from './budget-fixture.js'

const LATENCY_MS = 4000

describe('resume: a v2 run of 6 images killed with SIGKILL after 3 submits (issue 11)', () => {
  let server: FakeKamuiHandle
  let workspace: string

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: LATENCY_MS, longSide: 64 })
    workspace = await tempWorkspace('kamui-durable-')
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  const args = (): string[] => [
    'image-generation-v2',
    '--image-prompt',
    'a lighthouse at dusk, durable test',
    '--folder-name',
    'out/durable',
    '--image-count',
    '6',
    '--models',
    'imagen4-fast',
    '--generation-strategy',
    'parallel',
    '--max-parallel',
    '3',
    '--image-size',
    '64x64',
    '--mcp-config',
    JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } }),
  ]

  /**
   * Spawns the CLI and SIGKILLs it once the server has seen `submits` submit calls and the run
   * has journalled their request ids (between the two a submit's outcome is unknown to the
   * runner: an MCP tool without an idempotency argument cannot be looked up then).
   */
  async function runAndKillAfter(submits: number, journal: string): Promise<void> {
    await runAndKill(args(), {
      cwd: workspace,
      timeoutMs: 60_000,
      killWhen: async () =>
        submitsOf(await server.calls()).length >= submits &&
        (await journalledSubmits(journal, submits)),
    })
  }

  it('the re-run finishes 6 images with 6 submits in total; a third run submits nothing', async () => {
    const t0 = Date.now()
    const folder = path.join(workspace, 'out', 'durable')
    await runAndKillAfter(3, path.join(folder, 'metadata/journal.jsonl'))
    expect(submitsOf(await server.calls())).toHaveLength(3)
    const killed = parseJournal(await readFile(path.join(folder, 'metadata/journal.jsonl'), 'utf8'))
    // Every submit the server saw was journalled with its request id before the kill.
    expect(killed.lines.filter((l) => l.event === 'submitted')).toHaveLength(3)

    const t2 = Date.now()
    const second = await runKamui(args(), { cwd: workspace, timeoutMs: 120_000 })
    const secondMs = Date.now() - t2
    const firstTwoMs = Date.now() - t0
    expect(second.code, second.stderr).toBe(0)
    expect(second.outputs['images-completed']).toBe('6')
    expect(submitsOf(await server.calls())).toHaveLength(6)
    const report = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8')),
    )
    expect(report.generation_summary.jobs).toEqual({
      reused: 0,
      resumed: 3,
      new: 3,
      resubmitted: 0,
    })

    const journal = parseJournal(
      await readFile(path.join(folder, 'metadata/journal.jsonl'), 'utf8'),
    )
    expect(journal.truncated).toBe(false)
    expect(journal.invalid).toEqual([])
    const outputs = journal.lines.filter((l) => l.event === 'output')
    expect(outputs).toHaveLength(6)
    for (const line of outputs) {
      const bytes = await readFile(path.join(folder, line.file))
      expect(sha256(bytes)).toBe(line.sha256)
    }

    const callsBeforeThird = (await server.calls()).length
    const t3 = Date.now()
    const third = await runKamui(args(), { cwd: workspace, timeoutMs: 120_000 })
    const thirdMs = Date.now() - t3
    expect(third.code, third.stderr).toBe(0)
    expect(third.outputs['images-completed']).toBe('6')
    // No model call of any kind (submit, status, result) in the third run.
    expect(await server.calls()).toHaveLength(callsBeforeThird)
    const thirdReport = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8')),
    )
    expect(thirdReport.generation_summary.jobs).toEqual({
      reused: 6,
      resumed: 0,
      new: 0,
      resubmitted: 0,
    })
    expect(thirdMs).toBeLessThan(firstTwoMs)
    // The run that waited on the model (the resumed and the new jobs, LATENCY_MS each) against
    // the one that reused everything: the same process start-up, no model time. Generous
    // margin: the third run takes less than three quarters of the second.
    expect(thirdMs).toBeLessThan(secondMs * 0.75)
  }, 240_000)
})
