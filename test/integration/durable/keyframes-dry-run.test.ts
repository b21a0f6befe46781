import { readFile, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlanSchema } from '../../../src/contracts/plan.js'
import { keyframesCommand } from '../../../src/stages/keyframes/commands.js'
import { fakeKeyframesServer } from '../../fixtures/servers/fake-keyframes/start.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'
import { productPhotos, runStage, storyboardFile } from '../keyframes/helpers.js'
import { PRICED_KEYFRAMES_REGISTRY } from './priced-registries.js'

describe('keyframes dry-run (issue 11 §5)', () => {
  it('counts and prices the compositions and renders it cannot key, calls no model, and the real run costs that much', async () => {
    const workspace = await tempWorkspace('kamui-keyframes-dry-')
    const photos = await productPhotos(workspace)
    await writeFile(
      path.join(workspace, 'registry.json'),
      JSON.stringify(PRICED_KEYFRAMES_REGISTRY),
    )
    const fake = fakeKeyframesServer({ latencyMs: 20 })
    const raw = {
      'folder-name': 'out',
      'storyboard-file': await storyboardFile(workspace),
      'product-images': photos.join(','),
      'model-registry': 'registry.json',
      'mcp-config': fake.mcpConfig(),
      'cache-ttl-hours': '0',
    }
    const dry = await keyframesCommand.run({ ...raw, 'dry-run': 'true' }, testContext(workspace))
    expect(await fake.calls()).toEqual([])
    const plan = PlanSchema.parse(
      JSON.parse(await readFile(path.join(workspace, 'out/metadata/plan.json'), 'utf8')),
    )
    // A storyboard file: no story job; 4 segments → 5 frames, each composed and rendered.
    expect(plan.jobs).toEqual([])
    expect(plan.unkeyed).toMatchObject([
      { label: 'frame compositions', model: 'nano-banana', count: 5, estimated_usd: 0.05 },
      { label: 'frame renders', model: 'seedream-4', count: 5, estimated_usd: 0.15 },
    ])
    expect(plan.totals).toMatchObject({ unkeyed_jobs: 10, unkeyed_estimated_usd: 0.2 })
    expect(dry.summary).toMatch(/key unknown until the composition the enhancer writes/)
    await expect(stat(path.join(workspace, 'out/keyframes.json'))).rejects.toThrow()

    const real = await runStage(workspace, raw, { pollIntervalMs: 20 })
    expect(real.error, real.error?.message).toBeUndefined()
    expect(real.result?.keyframes.cost).toMatchObject({
      estimated_usd: null,
      actual_usd: plan.totals.unkeyed_estimated_usd,
      billed_jobs: 10,
      refused_jobs: 0,
    })
    const file = JSON.parse(await readFile(path.join(workspace, 'out/keyframes.json'), 'utf8')) as {
      cost?: { actual_usd: number }
    }
    expect(file.cost?.actual_usd).toBe(0.2)
  }, 120_000)
})
