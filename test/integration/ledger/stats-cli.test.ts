import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunStats } from '../../../src/output/ledger/stats.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'

/** A journal line as written, read with JSON.parse only (independent of the suite's reader). */
interface RawLine {
  event: string
  key?: string
  label?: string
  provider?: string
  handle?: { provider: string; server: string }
  resumed?: boolean
  generation_ms?: number
  code?: string
  usd?: number | null
  source?: string
}

async function rawJournal(folder: string): Promise<RawLine[]> {
  const text = await readFile(path.join(folder, 'metadata/journal.jsonl'), 'utf8')
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RawLine)
}

describe('kamui stats over three run folders (issue 11 §6)', () => {
  let server: FakeKamuiHandle
  let workspace: string
  const folders = ['runs/a-preview', 'runs/b-hosted', 'runs/c-failures']

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 300, longSide: 64, failModels: ['flux_schnell'] })
    workspace = await tempWorkspace('kamui-ledger-')
    const common = ['--image-size', '64x64', '--publish', 'none']
    const hosted = JSON.stringify({ mcpServers: { kamui: server.entry() } })
    const runs: string[][] = [
      ['--folder-name', folders[0]!, '--image-prompt', 'a fox', '--image-count', '2'],
      // The same request again into the same folder: both jobs are reused from the journal.
      ['--folder-name', folders[0]!, '--image-prompt', 'a fox', '--image-count', '2'],
      [
        ...['--folder-name', folders[1]!, '--image-prompt', 'a boat', '--image-count', '3'],
        ...['--models', 'imagen4-fast', '--mcp-config', hosted],
      ],
      [
        ...['--folder-name', folders[2]!, '--image-prompt', 'a hill', '--image-count', '4'],
        ...['--models', 'imagen4-fast,flux-schnell', '--mcp-config', hosted],
      ],
    ]
    for (const args of runs) {
      const run = await runKamui(['image-generation-v2', ...args, ...common], {
        cwd: workspace,
        timeoutMs: 120_000,
      })
      // The failing model makes the third run a partial success or a failure; either way it
      // leaves its journal behind, which is what the ledger reads.
      expect(run.timedOut, run.stderr).toBe(false)
    }
  }, 300_000)
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  it('prints JSON whose figures match the journals field by field', async () => {
    const run = await runKamui(['stats', 'runs', '--json'], { cwd: workspace })
    expect(run.code, run.stderr).toBe(0)
    const stats = JSON.parse(run.stdout) as RunStats
    expect(stats.journals).toEqual(
      folders.map((f) => `${f.slice('runs/'.length)}/metadata/journal.jsonl`),
    )

    const journals = await Promise.all(folders.map((f) => rawJournal(path.join(workspace, f))))
    const all = journals.flat()
    const count = (event: string): number => all.filter((l) => l.event === event).length
    const completed = count('completed')
    const failed = count('failed')
    expect(stats.runs).toBe(count('run'))
    expect(stats.runs).toBe(4)
    expect(stats.generations).toEqual({
      total: completed + failed,
      completed,
      failed,
      successRate: Math.round((completed / (completed + failed)) * 10000) / 10000,
    })
    // 2 preview + 3 hosted + 2 good of the third run; the flux-schnell jobs failed.
    expect(completed).toBe(7)
    expect(failed).toBeGreaterThanOrEqual(2)
    const codes: Record<string, number> = {}
    for (const l of all.filter((l) => l.event === 'failed'))
      codes[l.code!] = (codes[l.code!] ?? 0) + 1
    expect(stats.failuresByCode).toEqual(codes)
    expect(stats.jobs).toBe(
      journals.reduce(
        (n, lines) => n + new Set(lines.flatMap((l) => (l.key ? [l.key] : []))).size,
        0,
      ),
    )

    // Per model: label of the planned line, times of completed lines, sums of cost lines.
    for (const model of stats.models) {
      const times: number[] = []
      const costs: (number | null)[] = []
      let modelFailed = 0
      for (const lines of journals) {
        const labelOf = new Map(
          lines.filter((l) => l.event === 'planned').map((l) => [l.key, l.label]),
        )
        const mine = lines.filter((l) => labelOf.get(l.key) === model.model)
        times.push(...mine.filter((l) => l.event === 'completed').map((l) => l.generation_ms!))
        costs.push(...mine.filter((l) => l.event === 'cost').map((l) => l.usd ?? null))
        modelFailed += mine.filter((l) => l.event === 'failed').length
      }
      times.sort((a, b) => a - b)
      expect(model.completed).toBe(times.length)
      expect(model.failed).toBe(modelFailed)
      expect(model.timedJobs).toBe(times.length)
      if (times.length) {
        expect(model.meanMs).toBe(Math.round(times.reduce((s, t) => s + t, 0) / times.length))
        expect(model.p95Ms).toBe(times[Math.ceil(0.95 * times.length) - 1])
      }
      const known = costs.filter((c): c is number => c !== null)
      expect(model.cost.pricedJobs).toBe(known.length)
      expect(model.cost.unknownJobs).toBe(costs.length - known.length)
      expect(model.cost.knownUsd).toBeCloseTo(
        known.reduce((s, c) => s + c, 0),
        6,
      )
    }
    expect(stats.models.map((m) => m.model).sort()).toEqual(
      [...new Set(all.filter((l) => l.event === 'planned').map((l) => l.label))].sort(),
    )

    // Where the jobs ran: the preview server's jobs, and the fake KamuiCode server's (hosted).
    const servers = all.filter((l) => l.event === 'completed').map((l) => l.handle!.server)
    expect(stats.placement.preview).toBe(servers.filter((s) => s === 'kamui-preview').length)
    expect(stats.placement.hosted).toBe(servers.filter((s) => s !== 'kamui-preview').length)
    expect(stats.placement.local).toBe(0)
    expect(stats.placement.localShare).toBe(0)

    // Total cost: the sum of every cost line, null when any price is unknown.
    const costLines = all.filter((l) => l.event === 'cost').map((l) => l.usd ?? null)
    const knownTotal = costLines.reduce<number>((s, c) => s + (c ?? 0), 0)
    expect(stats.cost.knownUsd).toBeCloseTo(knownTotal, 6)
    expect(stats.cost.usd === null).toBe(costLines.some((c) => c === null))
    expect(stats.cost.pricedJobs + stats.cost.unknownJobs).toBe(costLines.length)

    // Savings: the second preview run reused both jobs from the journal.
    const reused = all.filter((l) => l.event === 'reused')
    expect(stats.savings.reusedJobs).toBe(reused.length)
    expect(reused.length).toBe(2)
    expect(stats.savings.cacheHits).toBe(reused.filter((l) => l.source === 'cache').length)
    expect(stats.savings.resumedJobs).toBe(
      all.filter((l) => l.event === 'submitted' && l.resumed).length,
    )
    expect(stats.warnings).toEqual([])
  })

  it('prints the same figures as text', async () => {
    const json = JSON.parse(
      (await runKamui(['stats', 'runs', '--json'], { cwd: workspace })).stdout,
    ) as RunStats
    const run = await runKamui(['stats', 'runs'], { cwd: workspace })
    expect(run.code, run.stderr).toBe(0)
    const g = json.generations
    expect(run.stdout).toContain(
      `generations: ${g.total} (${g.completed} completed, ${g.failed} failed)`,
    )
    expect(run.stdout).toContain(`journals: 3, stage runs: 4, jobs: ${json.jobs}`)
    for (const model of json.models)
      expect(run.stdout).toMatch(
        new RegExp(`^${model.model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm'),
      )
  })

  it('fails with a code for a folder that does not exist', async () => {
    const run = await runKamui(['stats', 'no-such-folder'], { cwd: workspace })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/^[A-Z]+_\d{3}: /)
  })
})
