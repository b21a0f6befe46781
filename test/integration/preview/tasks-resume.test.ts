import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerationReportSchema } from '../../../src/contracts/generation-report.js'
import { parseJournal } from '../../../src/runner/journal.js'
import type { TappedMessage } from '../../fixtures/servers/mcp-tap.js'
import { startPreviewHttp, type PreviewHttpHandle } from '../../fixtures/servers/preview-http.js'
import { journalledSubmits, runAndKill } from '../../helpers/kill-run.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/**
 * Issue 12 §4 acceptance: a run whose model jobs are MCP tasks (the preview server in tasks
 * mode over Streamable HTTP, outliving the run), killed with SIGKILL after its tasks were
 * created and journalled, is resumed by task id: the re-run follows the journalled tasks with
 * `tasks/get` / `tasks/result` and makes no new `tools/call` for them (counted at the server).
 */

const LATENCY_MS = 4000
const REGISTRY = {
  models: {
    'preview-tasks': {
      provider: 'mcp',
      displayName: 'Preview server in tasks mode (over HTTP)',
      call: {
        type: 'async',
        submit: 'preview_image_submit',
        status: 'preview_image_status',
        result: 'preview_image_result',
      },
      serverHints: ['preview-http'],
    },
  },
}

const toolCalls = (messages: TappedMessage[]): TappedMessage[] =>
  messages.filter((m) => m.method === 'tools/call')
const taskIdsAsked = (messages: TappedMessage[], method: string): Set<unknown> =>
  new Set(messages.filter((m) => m.method === method).map((m) => m.params?.taskId))

describe('resume by MCP task id after SIGKILL (preview server in tasks mode)', () => {
  let server: PreviewHttpHandle
  let workspace: string

  beforeAll(async () => {
    server = await startPreviewHttp(LATENCY_MS)
    workspace = await tempWorkspace('kamui-tasks-resume-')
    await writeFile(path.join(workspace, 'registry.json'), JSON.stringify(REGISTRY))
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  const args = (): string[] => [
    'image-generation-v2',
    '--image-prompt',
    'a lighthouse at dusk, tasks resume test',
    '--folder-name',
    'out/tasks',
    '--image-count',
    '3',
    '--models',
    'preview-tasks',
    '--model-registry',
    'registry.json',
    '--max-parallel',
    '3',
    '--image-size',
    '64x64',
    '--mcp-config',
    JSON.stringify({ mcpServers: { 'preview-http': { type: 'http', url: server.url } } }),
  ]

  async function runAndKillAfterTasks(count: number, journal: string): Promise<void> {
    await runAndKill(args(), {
      cwd: workspace,
      timeoutMs: 60_000,
      killWhen: async () =>
        toolCalls(server.messages()).length >= count && (await journalledSubmits(journal, count)),
    })
  }

  it('the re-run re-attaches to the 3 journalled tasks: no new tools/call, 3 images', async () => {
    const folder = path.join(workspace, 'out', 'tasks')
    const journalFile = path.join(folder, 'metadata/journal.jsonl')
    await runAndKillAfterTasks(3, journalFile)
    const killed = parseJournal(await readFile(journalFile, 'utf8'))
    const submitted = killed.lines.flatMap((l) => (l.event === 'submitted' ? [l.handle] : []))
    expect(submitted).toHaveLength(3)
    for (const handle of submitted) {
      expect(handle).toMatchObject({ task: '2025-11-25', tools: ['preview_image_submit'] })
    }
    const taskIds = submitted.map((h) => h.id)
    // Every tools/call reached the server as a task-augmented call.
    const calls = toolCalls(server.messages())
    expect(calls).toHaveLength(3)
    for (const call of calls) expect(call.params?.task).toEqual({})
    // Killed before any task finished (each stays queued for 4 s).
    expect(killed.lines.some((l) => l.event === 'completed')).toBe(false)

    const second = await runKamui(args(), { cwd: workspace, timeoutMs: 120_000 })
    expect(second.code, second.stderr).toBe(0)
    expect(second.outputs['images-completed']).toBe('3')
    // No new tools/call: the re-run followed the stored task ids.
    expect(toolCalls(server.messages())).toHaveLength(3)
    const got = taskIdsAsked(server.messages(), 'tasks/get')
    const results = taskIdsAsked(server.messages(), 'tasks/result')
    for (const id of taskIds) {
      expect(got.has(id)).toBe(true)
      expect(results.has(id)).toBe(true)
    }
    const report = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8')),
    )
    expect(report.generation_summary.jobs).toEqual({
      reused: 0,
      resumed: 3,
      new: 0,
      resubmitted: 0,
    })
    const journal = parseJournal(await readFile(journalFile, 'utf8'))
    const resumed = journal.lines.filter((l) => l.event === 'submitted' && l.resumed)
    expect(resumed.map((l) => (l.event === 'submitted' ? l.handle.id : null)).sort()).toEqual(
      [...taskIds].sort(),
    )
    expect(journal.lines.filter((l) => l.event === 'output')).toHaveLength(3)
  }, 240_000)
})
