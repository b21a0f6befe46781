import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerationReportSchema } from '../../../src/contracts/generation-report.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { sha256 } from '../../../src/runner/journal-key.js'
import { startModernTasksServer, type ModernServer } from '../../fixtures/servers/modern-tasks.js'
import { KAMUI_CLI_ENTRY, TSX_LOADER_URL, runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Issue 12 §3 with the durable handle of §2: a run whose image job a server of MCP revision
 * 2026-07-28 answered with a task of the tasks extension (`resultType: "task"`) is killed with
 * SIGKILL after the task was created and journalled; the re-run resumes by the journalled
 * task id with the extension's `tasks/get`: the server counts one `tools/call` in all (no
 * second submit) and `tasks/get` from the second run, and the image is made. The server runs
 * in the test process over HTTP, so it outlives the killed run.
 */

const LATENCY_MS = 4000
const REGISTRY = {
  models: {
    'modern-tasks': {
      provider: 'mcp',
      displayName: 'A 2026-07-28 server that answers with tasks (over HTTP)',
      call: { type: 'sync', tool: 'render_image' },
      serverHints: ['modern'],
    },
  },
}

describe('resume by a 2026-07-28 task id after SIGKILL', () => {
  let server: ModernServer
  let workspace: string

  beforeAll(async () => {
    server = await startModernTasksServer({ latencyMs: LATENCY_MS, pollIntervalMs: 100 })
    workspace = await tempWorkspace('kamui-modern-resume-')
    await writeFile(path.join(workspace, 'registry.json'), JSON.stringify(REGISTRY))
  })
  afterAll(async () => {
    await server?.close()
    await removeDir(workspace)
  })

  const args = (): string[] => [
    'image-generation-v2',
    '--image-prompt',
    'a lighthouse at dusk, modern tasks resume test',
    '--folder-name',
    'out/modern',
    '--image-count',
    '1',
    '--models',
    'modern-tasks',
    '--model-registry',
    'registry.json',
    '--image-size',
    '64x64',
    '--mcp-config',
    JSON.stringify({ mcpServers: { modern: { type: 'http', url: server.url } } }),
  ]

  /** Spawns the CLI and SIGKILLs it once the server created the task and the run journalled it. */
  async function runAndKillAfterTask(journal: string): Promise<void> {
    const child = spawn(
      process.execPath,
      ['--import', TSX_LOADER_URL, KAMUI_CLI_ENTRY, ...args()],
      { cwd: workspace, stdio: 'ignore' },
    )
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
    const started = Date.now()
    const journalled = async (): Promise<number> =>
      parseJournal(await readFile(journal, 'utf8').catch(() => '')).lines.filter(
        (l) => l.event === 'submitted',
      ).length
    while (server.log.calls.length < 1 || (await journalled()) < 1) {
      if (Date.now() - started > 60_000) throw new Error('the run created no task')
      await new Promise((r) => setTimeout(r, 50))
    }
    child.kill('SIGKILL')
    await closed
  }

  it('the re-run follows the journalled task with tasks/get: one tools/call in all, the image made', async () => {
    const folder = path.join(workspace, 'out', 'modern')
    const journalFile = path.join(folder, 'metadata/journal.jsonl')
    await runAndKillAfterTask(journalFile)
    const killed = parseJournal(await readFile(journalFile, 'utf8'))
    const submitted = killed.lines.flatMap((l) => (l.event === 'submitted' ? [l.handle] : []))
    // The task id is the durable handle, with the revision whose tasks/get follows it.
    expect(submitted).toEqual([
      {
        provider: 'mcp',
        server: 'modern',
        tools: ['render_image'],
        id: 'task-1',
        workflow: null,
        task: '2026-07-28',
      },
    ])
    expect(server.log.calls).toEqual([{ tool: 'render_image', withTasks: true }])
    // Killed before the task finished (it works for 4 s).
    expect(killed.lines.some((l) => l.event === 'completed')).toBe(false)
    const pollsBefore = server.log.polls.get('task-1')?.length ?? 0

    const second = await runKamui(args(), { cwd: workspace, timeoutMs: 120_000 })
    expect(second.code, second.stderr).toBe(0)
    expect(second.outputs['images-completed']).toBe('1')
    // No second submit: one tools/call in all; the re-run asked tasks/get of the stored id.
    expect(server.log.calls).toHaveLength(1)
    expect(server.log.methods.filter((m) => m === 'tools/call')).toHaveLength(1)
    expect(server.log.polls.get('task-1')?.length ?? 0).toBeGreaterThan(pollsBefore)
    expect(server.log.cancelled).toEqual([])

    const report = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8')),
    )
    expect(report.generation_summary.jobs).toEqual({
      reused: 0,
      resumed: 1,
      new: 0,
      resubmitted: 0,
    })
    const journal = parseJournal(await readFile(journalFile, 'utf8'))
    const resumed = journal.lines.filter((l) => l.event === 'submitted' && l.resumed)
    expect(resumed.map((l) => (l.event === 'submitted' ? l.handle : null))).toEqual(submitted)
    const outputs = journal.lines.filter((l) => l.event === 'output')
    expect(outputs).toHaveLength(1)
    for (const line of outputs) {
      const bytes = await readFile(path.join(folder, line.file))
      expect(sha256(bytes)).toBe(line.sha256)
      // The PNG the server's task made (a 64×64 image), written by the re-run.
      expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
    }
  }, 240_000)
})
