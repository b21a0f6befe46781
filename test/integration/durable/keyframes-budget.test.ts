import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fakeKeyframesServer } from '../../fixtures/servers/fake-keyframes/start.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage, storyboardFile } from '../keyframes/helpers.js'
import { PRICED_KEYFRAMES_REGISTRY } from './priced-registries.js'

async function setUp(): Promise<{ workspace: string; raw: Record<string, string> }> {
  const workspace = await tempWorkspace('kamui-keyframes-budget-')
  const photos = await productPhotos(workspace)
  await writeFile(path.join(workspace, 'registry.json'), JSON.stringify(PRICED_KEYFRAMES_REGISTRY))
  return {
    workspace,
    raw: {
      'storyboard-file': await storyboardFile(workspace),
      'product-images': photos.join(','),
      'model-registry': 'registry.json',
    },
  }
}

describe('keyframes under max-cost-usd (issue 11 §5)', () => {
  it('fails with COST_001 and submits nothing when not one job fits the cap', async () => {
    const { workspace, raw } = await setUp()
    const fake = fakeKeyframesServer({ latencyMs: 20 })
    const run = await runStage(
      workspace,
      { ...raw, 'mcp-config': fake.mcpConfig(), 'max-cost-usd': '0.005' },
      { pollIntervalMs: 20 },
    )
    expect(run.error?.code, run.error?.message).toBe('COST_001')
    expect(await fake.submits('nano_banana_submit')).toEqual([])
    expect(await fake.submits('seedream_4_submit')).toEqual([])
  }, 120_000)

  it('stops submitting at the cap and keeps what was made; every submit fits under it', async () => {
    const { workspace, raw } = await setUp()
    const fake = fakeKeyframesServer({ latencyMs: 20 })
    const run = await runStage(
      workspace,
      { ...raw, 'mcp-config': fake.mcpConfig(), 'max-cost-usd': '0.15', 'max-parallel': '1' },
      { pollIntervalMs: 20 },
    )
    const texts = (await fake.submits('nano_banana_submit')).length
    const renders = (await fake.submits('seedream_4_submit')).length
    // Counted at the server: what was submitted costs at most the cap, and the full run
    // (5 frames × $0.04 = $0.20) was not.
    expect(texts * 0.01 + renders * 0.03).toBeLessThanOrEqual(0.15 + 1e-9)
    expect(texts + renders).toBeLessThan(10)
    expect(renders).toBeGreaterThan(0)
    // A partial success: the refused frames fail with COST_001, the frames made are kept.
    expect(run.error, run.error?.message).toBeUndefined()
    expect(run.result?.warnings.map((w) => w.code)).toContain('COST_001')
    expect(run.result?.generatedFrames).toBe(renders)
  }, 120_000)
})
