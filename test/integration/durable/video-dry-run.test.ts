import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlanSchema } from '../../../src/contracts/plan.js'
import { parseJournal } from '../../../src/runner/journal.js'
import { videoGenerationCommand } from '../../../src/stages/video-generation/commands.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoDryRun } from '../../../src/stages/video-generation/dry-run.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { logText, testContext } from '../../helpers/stage-context.js'
import { ALLOW_BUNDLED_FFMPEG } from '../../helpers/tools.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from '../video/media-helpers.js'
import { PRICED_VIDEO_REGISTRY } from './priced-registries.js'

describe('video-generation dry-run (issue 11 §5)', () => {
  let ws: string
  let server: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-dry-')
    await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(64, 48))
    await writePng(path.join(ws, 'last.png'), FIRST_PICTURE(64, 48))
    await writeFile(path.join(ws, 'registry.json'), JSON.stringify(PRICED_VIDEO_REGISTRY))
    server = await startFakeVideo({ statusSteps: 1, staticDir: ws, clipSeconds: 1 })
  })
  afterAll(async () => {
    await server.stop()
    await removeDir(ws)
  })

  const raw = (folder: string, extra: Record<string, string> = {}): Record<string, string> => ({
    'video-prompt': 'a slow pan, dry run',
    'poll-interval': '0.05',
    'folder-name': folder,
    'mcp-config': server.mcpConfig,
    'input-image-path': 'first.png',
    'last-frame': 'last.png',
    duration: '4',
    'model-registry': 'registry.json',
    'cache-ttl-hours': '0',
    ...ALLOW_BUNDLED_FFMPEG,
    ...extra,
  })
  const readPlan = async (folder: string) =>
    PlanSchema.parse(
      JSON.parse(await readFile(path.join(ws, folder, 'metadata/plan.json'), 'utf8')),
    )

  it('calls no model, writes a valid plan whose estimate and keys are those of the real run that follows', async () => {
    const context = testContext(ws)
    const dry = await videoGenerationCommand.run(raw('planned', { 'dry-run': 'true' }), context)
    expect(await server.calls()).toHaveLength(0)
    const plan = await readPlan('planned')
    expect(plan.stage).toBe('video-generation')
    expect(plan.jobs).toHaveLength(1)
    expect(plan.jobs[0]).toMatchObject({
      model: 'hailuo-02-pro',
      kind: 'video',
      status: 'new',
      price: { usd: 0.05, per: 'second' },
      units: 4,
      estimated_usd: 0.2,
    })
    expect(plan.totals).toMatchObject({ new: 1, estimated_usd: 0.2, complete: true })
    // The table is printed and is the job summary; no clip, journal or report was written.
    expect(dry.summary).toMatch(/\| # \| job \| kind \| status \| price \| estimate \|/)
    expect(logText(context.logger)).toMatch(/Dry run of video-generation: 1 job\(s\), 1 new/)
    await expect(stat(path.join(ws, 'planned/metadata/journal.jsonl'))).rejects.toThrow()
    await expect(stat(path.join(ws, 'planned/videos/segment-1.mp4'))).rejects.toThrow()
    await expect(stat(path.join(ws, 'planned/metadata/video-report.json'))).rejects.toThrow()

    const real = await runVideoGeneration(parseVideoInputs(raw('planned')), testContext(ws))
    expect(real.clips).toHaveLength(1)
    expect(real.report.cost).toMatchObject({ actual_usd: 0.2, estimated_usd: 0.2 })
    const journal = parseJournal(
      await readFile(path.join(ws, 'planned/metadata/journal.jsonl'), 'utf8'),
    )
    const submitted = journal.lines.flatMap((l) => (l.event === 'submitted' ? [l.key] : []))
    expect(submitted).toEqual(plan.jobs.map((j) => j.key))

    // Planned again after the real run: complete in the journal, $0, still no call.
    const calls = (await server.calls()).length
    await runVideoDryRun(parseVideoInputs(raw('planned', { 'dry-run': 'true' })), testContext(ws))
    expect(await server.calls()).toHaveLength(calls)
    expect((await readPlan('planned')).totals).toMatchObject({
      journal_complete: 1,
      new: 0,
      estimated_usd: 0,
    })
  }, 120_000)

  it('applies max-cost-usd to the plan: a clip over the cap is not estimated', async () => {
    const calls = (await server.calls()).length
    await runVideoDryRun(
      parseVideoInputs(raw('capped', { 'dry-run': 'true', 'max-cost-usd': '0.1' })),
      testContext(ws),
    )
    expect(await server.calls()).toHaveLength(calls)
    const plan = await readPlan('capped')
    expect(plan.jobs.map((j) => j.within_budget)).toEqual([false])
    expect(plan.totals).toMatchObject({ over_budget: 1, estimated_usd: 0 })
  }, 60_000)
})
