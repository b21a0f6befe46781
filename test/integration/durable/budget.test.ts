import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerationReportSchema } from '../../../src/contracts/generation-report.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { submitsOf, v2Args, writePricedRegistry } from './budget-fixture.js'

describe('max-cost-usd (issue 11 §5): a 5-image run at $0.04 per image under a $0.10 cap', () => {
  let server: FakeKamuiHandle
  let workspace: string

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 300, longSide: 64 })
    workspace = await tempWorkspace('kamui-budget-')
    await writePricedRegistry(workspace, 0.04)
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  it('submits 2 jobs, keeps both images, reports COST_001 and a cost of $0.08', async () => {
    const run = await runKamui(
      v2Args(server, 'out/capped', 5, ['--max-cost-usd', '0.10', '--cache-ttl-hours', '0']),
      { cwd: workspace, timeoutMs: 120_000 },
    )
    expect(run.code, run.stderr).toBe(0)
    // Counted at the server: at most 2 submits (exactly 2: both fit under the cap).
    expect(submitsOf(await server.calls())).toHaveLength(2)
    expect(run.outputs['images-completed']).toBe('2')
    const folder = path.join(workspace, 'out', 'capped')
    const images = (await readdir(path.join(folder, 'images'))).filter((f) => f.endsWith('.png'))
    expect(images.length).toBeGreaterThanOrEqual(2)
    const report = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder, 'metadata/generation-report.json'), 'utf8')),
    )
    expect(report.generation_summary.successful_generations).toBe(2)
    expect(report.generation_summary.failed_generations).toBe(3)
    expect(report.warnings.map((w) => w.code)).toContain('COST_001')
    expect(report.images.filter((i) => i.status === 'failed').map((i) => i.error?.code)).toEqual([
      'COST_001',
      'COST_001',
      'COST_001',
    ])
    expect(report.cost).toMatchObject({
      max_cost_usd: 0.1,
      actual_usd: 0.08,
      billed_jobs: 2,
      refused_jobs: 3,
      complete: true,
      prices: [{ model: 'imagen4-fast', price: { usd: 0.04, per: 'image' } }],
      unknown_price_models: [],
    })
    // The journal's cost lines add up to the same $0.08; no job was planned beyond the two.
    const journal = parseJournal(
      await readFile(path.join(folder, 'metadata/journal.jsonl'), 'utf8'),
    )
    const costs = journal.lines.flatMap((l) => (l.event === 'cost' ? [l.usd] : []))
    expect(costs).toEqual([0.04, 0.04])
    expect(journal.lines.filter((l) => l.event === 'submitted')).toHaveLength(2)
  }, 180_000)

  it('fails with COST_001 and submits nothing when not even one job fits', async () => {
    const before = submitsOf(await server.calls()).length
    const run = await runKamui(
      v2Args(server, 'out/too-small', 3, ['--max-cost-usd', '0.03', '--cache-ttl-hours', '0']),
      { cwd: workspace, timeoutMs: 120_000 },
    )
    expect(run.code).not.toBe(0)
    expect(run.stderr + run.stdout).toMatch(/COST_001/)
    expect(submitsOf(await server.calls())).toHaveLength(before)
  }, 180_000)
})
