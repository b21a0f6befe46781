import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { parseVideoInputs } from '../../../src/stages/video-generation/inputs.js'
import { runVideoGeneration } from '../../../src/stages/video-generation/run.js'
import { startFakeVideo, type FakeVideoHandle } from '../../fixtures/servers/fake-video/start.js'
import { testContext } from '../../helpers/stage-context.js'
import { ALLOW_BUNDLED_FFMPEG } from '../../helpers/tools.js'
import { removeDir, tempWorkspace } from '../../helpers/workspace.js'
import { FIRST_PICTURE, writePng } from '../video/media-helpers.js'
import { PRICED_VIDEO_REGISTRY } from './priced-registries.js'

describe('video-generation under max-cost-usd (issue 11 §5)', () => {
  let ws: string
  let server: FakeVideoHandle
  beforeAll(async () => {
    ws = await tempWorkspace('kamui-video-budget-')
    await writePng(path.join(ws, 'first.png'), FIRST_PICTURE(64, 48))
    await writeFile(path.join(ws, 'registry.json'), JSON.stringify(PRICED_VIDEO_REGISTRY))
    server = await startFakeVideo({ statusSteps: 1, staticDir: ws, clipSeconds: 1 })
  })
  afterAll(async () => {
    await server.stop()
    await removeDir(ws)
  })

  const inputs = (folder: string, cap: string): ReturnType<typeof parseVideoInputs> =>
    parseVideoInputs({
      'video-prompt': 'a slow pan',
      'poll-interval': '0.05',
      'folder-name': folder,
      'mcp-config': server.mcpConfig,
      'input-image-path': 'first.png',
      'model-registry': 'registry.json',
      'max-cost-usd': cap,
      ...ALLOW_BUNDLED_FFMPEG,
    })
  const submits = async (): Promise<number> =>
    (await server.calls()).filter((c) => c.tool === 'hailuo_02_submit').length

  it('refuses a 6 s clip at $0.05/s under a $0.20 cap with COST_001 and submits nothing', async () => {
    const error = await runVideoGeneration(inputs('capped', '0.20'), testContext(ws)).catch(
      (e: unknown) => e,
    )
    expect(isKamuiError(error, 'COST_001'), String(error)).toBe(true)
    expect((error as Error).message).toMatch(/\$0\.3 would exceed max-cost-usd 0\.2/)
    expect(await submits()).toBe(0)
    const report = JSON.parse(
      await readFile(path.join(ws, 'capped/metadata/video-report.json'), 'utf8'),
    ) as { cost: { refused_jobs: number; actual_usd: number } }
    expect(report.cost).toMatchObject({ refused_jobs: 1, actual_usd: 0, max_cost_usd: 0.2 })
  })

  it('makes the clip under a $1 cap and reports its cost: 6 s × $0.05 = $0.30', async () => {
    const result = await runVideoGeneration(inputs('within', '1'), testContext(ws))
    expect(result.clips).toHaveLength(1)
    expect(await submits()).toBe(1)
    expect(result.report.cost).toMatchObject({
      actual_usd: 0.3,
      billed_jobs: 1,
      refused_jobs: 0,
      prices: [{ model: 'hailuo-02-pro', price: { usd: 0.05, per: 'second' } }],
    })
    // The clip's telemetry prices it the same way.
    const telemetry = JSON.parse(
      await readFile(path.join(ws, 'within/metadata/artifact-metadata.json'), 'utf8'),
    ) as { artifacts: { path: string; cost: { usd: number | null; basis: string } | null }[] }
    const clip = telemetry.artifacts.find((a) => a.path === 'videos/segment-1.mp4')
    expect(clip?.cost).toMatchObject({ usd: 0.3, basis: expect.stringMatching(/hailuo-02-pro/) })
  })
})
