import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpModelJob } from '../../../src/providers/kinds/job.js'
import { parseMcpConfig } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { RunJournal } from '../../../src/runner/journal.js'
import { jobKey, promptIdOf } from '../../../src/runner/journal-key.js'
import { TSX_LOADER_URL } from '../../helpers/run-kamui.js'

const SERVER = path.resolve('test/fixtures/servers/idempotent-mcp.ts')

const jobOf = (prefix: 'idem' | 'plain'): McpModelJob => ({
  provider: 'mcp',
  label: `${prefix}-model`,
  call: {
    type: 'async',
    submit: `${prefix}_submit`,
    status: `${prefix}_status`,
    result: `${prefix}_result`,
  },
  args: { prompt: 'a paper boat', seed: 7 },
  pollIntervalMs: 20,
  answer: 'media',
})

interface Call {
  tool: string
  args: Record<string, unknown>
}

describe('idempotent MCP submission (issue 11 §3)', () => {
  const dirs: string[] = []
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))))

  async function setUp() {
    const state = await mkdtemp(path.join(tmpdir(), 'idem-state-'))
    const folder = await mkdtemp(path.join(tmpdir(), 'idem-folder-'))
    dirs.push(state, folder)
    const calls = async (): Promise<Call[]> =>
      (await readFile(path.join(state, 'calls.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Call)
    const started = async (): Promise<unknown[]> =>
      (JSON.parse(await readFile(path.join(state, 'jobs.json'), 'utf8')) as { started: unknown[] })
        .started
    return { state, folder, calls, started }
  }

  /** One runner over a fresh connection to the server (a restarted run, or a reconnect). */
  async function runOnce(state: string, folder: string, job: McpModelJob) {
    const logger = new MemoryLogger()
    const ctx = { logger, redactor: new Redactor(), env: { PATH: process.env['PATH'] } }
    const config = JSON.stringify({
      mcpServers: {
        idem: { command: process.execPath, args: ['--import', TSX_LOADER_URL, SERVER, state] },
      },
    })
    const pool = new McpPool(parseMcpConfig(config, ctx), ctx)
    const journal = await RunJournal.open(folder, { resume: 'auto', logger })
    try {
      const runner = new JobRunner({ mcp: pool }, {}, journal)
      return await runner.run(job, { signal: AbortSignal.timeout(30_000), logger })
    } finally {
      await journal.close()
      await pool.close()
    }
  }

  it('sends a key derived from the job key; after a submit whose answer was lost, the resubmit carries it and the server runs the job once', async () => {
    const { state, folder, calls, started } = await setUp()
    const job = jobOf('idem')
    await writeFile(path.join(state, 'crash-next-submit'), '')
    // The server stores the job, then the connection is lost before it answers.
    await expect(runOnce(state, folder, job)).rejects.toBeDefined()
    expect(await started()).toHaveLength(1)

    const output = await runOnce(state, folder, job)
    expect(output.media[0]?.mimeType).toBe('image/png')
    expect(output.handle.id).toBe('idem-1')
    const submits = (await calls()).filter((c) => c.tool === 'idem_submit')
    expect(submits).toHaveLength(2)
    const expected = promptIdOf(jobKey(job), folder)
    expect(submits.map((c) => c.args['idempotency_key'])).toEqual([expected, expected])
    // One job started on the server for two submits.
    expect(await started()).toHaveLength(1)
  }, 60_000)

  it('adds nothing to a tool that declares no idempotency argument (every submit starts a job)', async () => {
    const { state, folder, calls, started } = await setUp()
    await writeFile(path.join(state, 'crash-next-submit'), '')
    await expect(runOnce(state, folder, jobOf('plain'))).rejects.toBeDefined()
    await runOnce(state, folder, jobOf('plain'))
    const submits = (await calls()).filter((c) => c.tool === 'plain_submit')
    expect(submits.map((c) => Object.keys(c.args).sort())).toEqual([
      ['prompt', 'seed'],
      ['prompt', 'seed'],
    ])
    expect(await started()).toHaveLength(2)
  }, 60_000)
})
