import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { JOURNAL_FILE } from '../../../src/contracts/journal.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpModelJob } from '../../../src/providers/kinds/job.js'
import { parseMcpConfig } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { RunJournal, parseJournal } from '../../../src/runner/journal.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'

const job: McpModelJob = {
  provider: 'mcp',
  label: 'imagen4-fast',
  call: {
    type: 'async',
    submit: 'imagen4_fast_submit',
    status: 'imagen4_fast_status',
    result: 'imagen4_fast_result',
  },
  args: { prompt: 'a kite', seed: 5, width: 64, height: 64, aspect_ratio: '1:1' },
  pollIntervalMs: 100,
  answer: 'media',
}

describe('a job stopped after its submit is followed by the next run (issue 11)', () => {
  const servers: FakeKamuiHandle[] = []
  const folders: string[] = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
    await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })))
  })

  async function setUp(server: FakeKamuiHandle, folder: string) {
    const logger = new MemoryLogger()
    const ctx = { logger, redactor: new Redactor(), env: {} }
    const config = JSON.stringify({ mcpServers: { 't2i-kamui-imagen4-fast': server.entry() } })
    const pool = new McpPool(parseMcpConfig(config, ctx), ctx)
    const journal = await RunJournal.open(folder, { resume: 'auto', logger })
    return { logger, pool, journal }
  }

  /** Runs the job and stops following it as soon as its submitted line is on disk. */
  async function runAndStop(server: FakeKamuiHandle, folder: string): Promise<void> {
    const { logger, pool, journal } = await setUp(server, folder)
    const stop = new AbortController()
    const runner = new JobRunner({ mcp: pool }, { onSubmitted: () => stop.abort() }, journal)
    await expect(runner.run(job, { signal: stop.signal, logger })).rejects.toBeDefined()
    await journal.close()
    await pool.close()
  }

  async function rerun(server: FakeKamuiHandle, folder: string) {
    const { logger, pool, journal } = await setUp(server, folder)
    const runner = new JobRunner({ mcp: pool }, {}, journal)
    try {
      const output = await runner.run(job, { signal: AbortSignal.timeout(20_000), logger })
      return { output, counts: { ...journal.counts }, notices: journal.notices, logger }
    } finally {
      await journal.close()
      await pool.close()
    }
  }

  const submits = async (server: FakeKamuiHandle) =>
    (await server.calls()).filter((c) => c.tool.endsWith('_submit')).length

  it('resumes with the stored request id: no second submit', async () => {
    const server = await startFakeKamui({ latencyMs: 1500, longSide: 64 })
    servers.push(server)
    const folder = await mkdtemp(path.join(tmpdir(), 'durable-mcp-'))
    folders.push(folder)
    await runAndStop(server, folder)
    const after = parseJournal(await readFile(path.join(folder, JOURNAL_FILE), 'utf8'))
    expect(after.lines.map((l) => l.event)).toEqual(['planned', 'submitted'])
    const { output, counts } = await rerun(server, folder)
    expect(output.media.length).toBeGreaterThan(0)
    expect(output.journal).toBe('resumed')
    expect(counts).toEqual({ reused: 0, resumed: 1, new: 0, resubmitted: 0 })
    expect(await submits(server)).toBe(1)
  }, 60_000)

  it('submits again, saying why, when the stored handle is unknown to the server', async () => {
    const first = await startFakeKamui({ latencyMs: 1500, longSide: 64 })
    servers.push(first)
    const folder = await mkdtemp(path.join(tmpdir(), 'durable-mcp-'))
    folders.push(folder)
    await runAndStop(first, folder)
    await first.stop()
    // A restarted server has forgotten the job (as an expired request id would be).
    const second = await startFakeKamui({ latencyMs: 200, longSide: 64 })
    servers.push(second)
    const { output, counts, notices } = await rerun(second, folder)
    expect(output.journal).toBe('new')
    expect(counts).toEqual({ reused: 0, resumed: 0, new: 1, resubmitted: 1 })
    expect(notices.join('\n')).toMatch(/could not be followed .*submitted again/)
    expect(await submits(second)).toBe(1)
  }, 60_000)
})
