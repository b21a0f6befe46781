import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GenerationReportSchema } from '../../../src/contracts/generation-report.js'
import { PlanSchema } from '../../../src/contracts/plan.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { runKamui } from '../../helpers/run-kamui.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { v2Args, writePricedRegistry } from './budget-fixture.js'

describe('dry-run (issue 11 §5)', () => {
  let server: FakeKamuiHandle
  let workspace: string
  const folder = (): string => path.join(workspace, 'out', 'planned')
  const readPlan = async () =>
    PlanSchema.parse(JSON.parse(await readFile(path.join(folder(), 'metadata/plan.json'), 'utf8')))

  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 300, longSide: 64 })
    workspace = await tempWorkspace('kamui-dry-run-')
    await writePricedRegistry(workspace, 0.04)
  })
  afterAll(async () => {
    await server?.stop()
    await removeDir(workspace)
  })

  it('calls no model, writes a valid plan whose estimate equals the cost of the real run that follows', async () => {
    const args = v2Args(server, 'out/planned', 5, ['--cache-ttl-hours', '0'])
    const dry = await runKamui([...args, '--dry-run', 'true'], {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(dry.code, dry.stderr).toBe(0)
    // Not a single call of any tool reached the server.
    expect(await server.calls()).toHaveLength(0)
    const plan = await readPlan()
    expect(plan.stage).toBe('image-generation-v2')
    expect(plan.jobs).toHaveLength(5)
    expect(plan.jobs.every((j) => j.status === 'new' && j.model === 'imagen4-fast')).toBe(true)
    expect(plan.jobs[0]?.price).toEqual({ usd: 0.04, per: 'image' })
    expect(plan.totals).toMatchObject({
      new: 5,
      estimated_usd: 0.2,
      complete: true,
      over_budget: 0,
    })
    // The table is printed; no image, no journal, no report was written.
    expect(dry.stdout + dry.stderr).toMatch(/\| # \| job \| kind \| status \| price \| estimate \|/)
    await expect(stat(path.join(folder(), 'metadata/journal.jsonl'))).rejects.toThrow()
    await expect(stat(path.join(folder(), 'metadata/generation-report.json'))).rejects.toThrow()

    const real = await runKamui(args, { cwd: workspace, timeoutMs: 120_000 })
    expect(real.code, real.stderr).toBe(0)
    expect(real.outputs['images-completed']).toBe('5')
    const report = GenerationReportSchema.parse(
      JSON.parse(await readFile(path.join(folder(), 'metadata/generation-report.json'), 'utf8')),
    )
    expect(report.cost?.actual_usd).toBe(plan.totals.estimated_usd)
    expect(report.cost?.estimated_usd).toBe(plan.totals.estimated_usd)
    // Same seed: the planned job keys are the keys the real run journalled.
    const journal = parseJournal(
      await readFile(path.join(folder(), 'metadata/journal.jsonl'), 'utf8'),
    )
    const submitted = new Set(
      journal.lines.flatMap((l) => (l.event === 'submitted' ? [l.key] : [])),
    )
    expect(new Set(plan.jobs.map((j) => j.key))).toEqual(submitted)

    // A dry run after it finds every job complete in the journal: $0, still no call.
    const calls = (await server.calls()).length
    const again = await runKamui([...args, '--dry-run', 'true'], {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(again.code, again.stderr).toBe(0)
    expect(await server.calls()).toHaveLength(calls)
    const replanned = await readPlan()
    expect(replanned.totals).toMatchObject({ journal_complete: 5, new: 0, estimated_usd: 0 })
  }, 240_000)

  it('applies max-cost-usd to the plan: the jobs over the cap are named and not estimated', async () => {
    const calls = (await server.calls()).length
    const args = v2Args(server, 'out/planned-cap', 5, [
      '--cache-ttl-hours',
      '0',
      '--max-cost-usd',
      '0.10',
      '--dry-run',
      'true',
    ])
    const dry = await runKamui(args, { cwd: workspace, timeoutMs: 120_000 })
    expect(dry.code, dry.stderr).toBe(0)
    expect(await server.calls()).toHaveLength(calls)
    const plan = PlanSchema.parse(
      JSON.parse(
        await readFile(path.join(workspace, 'out/planned-cap/metadata/plan.json'), 'utf8'),
      ),
    )
    expect(plan.max_cost_usd).toBe(0.1)
    expect(plan.jobs.map((j) => j.within_budget)).toEqual([true, true, false, false, false])
    // What the capped real run is billed (see budget.test.ts): $0.08.
    expect(plan.totals).toMatchObject({ over_budget: 3, estimated_usd: 0.08 })
  }, 120_000)

  it('plans a job the job cache holds as cached at $0; the real run then submits nothing', async () => {
    const cacheArgs = ['--cache-folder', 'jobs-cache']
    const first = await runKamui(v2Args(server, 'out/cache-a', 2, cacheArgs), {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(first.code, first.stderr).toBe(0)
    const calls = (await server.calls()).length
    const args = v2Args(server, 'out/cache-b', 2, cacheArgs)
    const dry = await runKamui([...args, '--dry-run', 'true'], {
      cwd: workspace,
      timeoutMs: 120_000,
    })
    expect(dry.code, dry.stderr).toBe(0)
    const plan = PlanSchema.parse(
      JSON.parse(await readFile(path.join(workspace, 'out/cache-b/metadata/plan.json'), 'utf8')),
    )
    expect(plan.jobs.map((j) => j.status)).toEqual(['cached', 'cached'])
    expect(plan.totals).toMatchObject({ cached: 2, new: 0, estimated_usd: 0 })
    const real = await runKamui(args, { cwd: workspace, timeoutMs: 120_000 })
    expect(real.code, real.stderr).toBe(0)
    expect(await server.calls()).toHaveLength(calls)
    const report = GenerationReportSchema.parse(
      JSON.parse(
        await readFile(path.join(workspace, 'out/cache-b/metadata/generation-report.json'), 'utf8'),
      ),
    )
    expect(report.cost).toMatchObject({ actual_usd: 0, estimated_usd: 0, billed_jobs: 0 })
  }, 240_000)
})
