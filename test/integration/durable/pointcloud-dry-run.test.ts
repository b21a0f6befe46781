import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlanSchema } from '../../../src/contracts/plan.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { pointcloudGenerationCommand } from '../../../src/stages/pointcloud-generation/commands.js'
import { runPointcloudDryRun } from '../../../src/stages/pointcloud-generation/dry-run.js'
import { parsePointcloudInputs } from '../../../src/stages/pointcloud-generation/inputs.js'
import { runPointcloudGeneration } from '../../../src/stages/pointcloud-generation/run.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { testContext } from '../../helpers/stage-context.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from '../video/media-helpers.js'

describe('pointcloud-generation dry-run (issue 11 §5)', () => {
  let ws: string
  let fake: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-pc-dry-')
    await writePng(path.join(ws, 'photo.png'), FIRST_PICTURE(90, 60))
    fake = await startFakeVideo()
  })
  afterAll(async () => {
    await fake?.stop()
    await removeDir(ws)
  })

  const raw = (folder: string, extra: Record<string, string> = {}): Record<string, string> => ({
    'input-image-path': 'photo.png',
    'output-folder': folder,
    'mcp-config': fake.mcpConfig,
    'max-points': '500',
    'cache-ttl-hours': '0',
    ...extra,
  })
  const readPlan = async (folder: string) =>
    PlanSchema.parse(
      JSON.parse(await readFile(path.join(ws, folder, 'metadata/plan.json'), 'utf8')),
    )

  it('plans the MCP depth job with no model call; the real run journals that key, and the estimate is its cost', async () => {
    const dry = await pointcloudGenerationCommand.run(
      raw('pc', { 'dry-run': 'true' }),
      testContext(ws),
    )
    // The fake server logs every tool call: none was made.
    expect(await fake.calls()).toHaveLength(0)
    const plan = await readPlan('pc')
    expect(plan.stage).toBe('pointcloud-generation')
    expect(plan.jobs).toMatchObject([
      {
        kind: 'depth',
        status: 'new',
        tools: ['midas_v21_small'],
        price: null,
        estimated_usd: null,
      },
    ])
    // Depth tools have no registry price: named as unknown, never $0.
    expect(plan.totals).toMatchObject({
      new: 1,
      estimated_usd: 0,
      complete: false,
      unknown_price_models: ['midas_v21_small'],
    })
    expect(dry.summary).toMatch(/\| # \| job \| kind \| status \| price \| estimate \|/)
    await expect(stat(path.join(ws, 'pc/pointcloud.ply'))).rejects.toThrow()
    await expect(stat(path.join(ws, 'pc/metadata/journal.jsonl'))).rejects.toThrow()

    const real = await pointcloudGenerationCommand.run(raw('pc'), testContext(ws))
    expect((await fake.calls()).filter((c) => c.tool === 'midas_v21_small')).toHaveLength(1)
    expect(real.summary).toMatch(
      /\*\*Cost:\*\* estimated \$0\.00 · actual \$0\.00 for the priced jobs; 1 job\(s\) of unknown price \(midas\\_v21\\_small\)/,
    )
    const journal = parseJournal(await readFile(path.join(ws, 'pc/metadata/journal.jsonl'), 'utf8'))
    const submitted = journal.lines.flatMap((l) => (l.event === 'submitted' ? [l.key] : []))
    expect(submitted).toEqual(plan.jobs.map((j) => j.key))
    // The cost block is in the stage record (the stage's report).
    const record = JSON.parse(
      await readFile(path.join(ws, 'pc/metadata/artifact-metadata.json'), 'utf8'),
    ) as { cost?: Record<string, unknown> }
    expect(record.cost).toMatchObject({
      estimated_usd: plan.totals.estimated_usd,
      actual_usd: 0,
      complete: false,
      billed_jobs: 1,
      unpriced_jobs: 1,
      refused_jobs: 0,
      unknown_price_models: ['midas_v21_small'],
    })

    const calls = (await fake.calls()).length
    await runPointcloudDryRun(
      parsePointcloudInputs(raw('pc', { 'dry-run': 'true' })),
      testContext(ws),
    )
    expect(await fake.calls()).toHaveLength(calls)
    expect((await readPlan('pc')).totals).toMatchObject({ journal_complete: 1, new: 0 })
  }, 120_000)

  it('plans the preview depth at $0 and the heuristic as no model job', async () => {
    await runPointcloudDryRun(
      parsePointcloudInputs(raw('preview', { 'dry-run': 'true', 'depth-model': 'preview' })),
      testContext(ws),
    )
    const preview = await readPlan('preview')
    expect(preview.jobs).toMatchObject([{ label: 'preview', price: { usd: 0 }, estimated_usd: 0 }])
    expect(preview.totals).toMatchObject({ estimated_usd: 0, complete: true })
    const real = await runPointcloudGeneration(
      parsePointcloudInputs(raw('preview', { 'depth-model': 'preview' })),
      testContext(ws),
    )
    expect(real.cost).toMatchObject({
      estimated_usd: 0,
      actual_usd: 0,
      complete: true,
      billed_jobs: 1,
    })

    await runPointcloudDryRun(
      parsePointcloudInputs(
        raw('heuristic', { 'dry-run': 'true', 'depth-model': 'luminance-heuristic' }),
      ),
      testContext(ws),
    )
    const heuristic = await readPlan('heuristic')
    expect(heuristic.jobs).toEqual([])
    expect(heuristic.notes.join(' ')).toMatch(/no model job/)
  }, 120_000)
})
