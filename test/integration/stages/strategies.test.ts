import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import sharp from 'sharp'
import { afterEach, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { v2Outputs } from '../../../src/stages/image-generation/outputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import {
  startFakeKamui,
  type FakeKamuiHandle,
  type FakeKamuiOptions,
} from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

const servers: FakeKamuiHandle[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()))
})

/** Runs the stage against a fake whose imagen4-fast images are flat grey (a failed render). */
async function run(
  strategy: string,
  raw: Record<string, string> = {},
  options: Omit<FakeKamuiOptions, 'transport'> = {},
) {
  const server = await startFakeKamui({
    latencyMs: 30,
    longSide: 256,
    blankModels: ['imagen4_fast'],
    ...options,
  })
  servers.push(server)
  const workspace = await tempWorkspace()
  const result = await runImageGeneration(
    parseV2Inputs({
      'image-prompt': 'A bouquet of roses',
      'folder-name': 'out',
      'mcp-config': JSON.stringify({ mcpServers: { kamui: server.entry() } }),
      models: 'imagen4-fast,flux-schnell',
      'image-count': '4',
      'generation-strategy': strategy,
      'image-size': '256x256',
      seed: '1',
      ...raw,
    }),
    testContext(workspace),
  )
  const submits = (await server.calls())
    .filter((c) => c.tool.endsWith('_submit'))
    .map((c) => c.tool)
  return { workspace, result, submits, outputs: v2Outputs(result, workspace) }
}

describe('generation strategies on images of known quality', () => {
  it('smart regenerates exactly the below-threshold images with another model', async () => {
    const { result, submits, workspace } = await run('smart')
    expect(submits.filter((t) => t === 'imagen4_fast_submit')).toHaveLength(2)
    expect(submits.filter((t) => t === 'flux_schnell_submit')).toHaveLength(4)
    const images = result.report.images
    expect(images.map((i) => i.regeneration?.outcome ?? null)).toEqual([
      'regenerated',
      null,
      'regenerated',
      null,
    ])
    expect(images[0]?.regeneration).toMatchObject({ from: 'imagen4-fast', to: 'flux-schnell' })
    expect(images.map((i) => i.model)).toEqual([
      'flux-schnell',
      'flux-schnell',
      'flux-schnell',
      'flux-schnell',
    ])
    expect(images[0]?.candidates.map((c) => [c.model, c.kept, c.quality_score === 0])).toEqual([
      ['imagen4-fast', false, true],
      ['flux-schnell', true, false],
    ])
    // The blank first candidate is kept on disk; the slot file now holds the better image.
    const blank = path.join(workspace, 'out/images/candidates/generated-image-1-attempt-1.png')
    expect((await sharp(blank).stats()).channels[0]?.stdev).toBe(0)
    const kept = path.join(workspace, 'out/images/generated-image-1.png')
    expect((await sharp(kept).stats()).channels[0]?.stdev).toBeGreaterThan(5)
    for (const image of images) expect(image.quality?.meets_threshold).toBe(true)
    expect(result.warnings).toEqual([])
  })

  it('sequential switches to the next-best model after a low score', async () => {
    const { result, submits } = await run('sequential')
    // Image 1 (imagen4-fast) is blank; its next attempt and image 3 go to flux-schnell.
    expect(submits).toEqual([
      'imagen4_fast_submit',
      'flux_schnell_submit',
      'flux_schnell_submit',
      'flux_schnell_submit',
      'flux_schnell_submit',
    ])
    const images = result.report.images
    expect(images.map((i) => [i.requested_model, i.model])).toEqual([
      ['imagen4-fast', 'flux-schnell'],
      ['flux-schnell', 'flux-schnell'],
      ['flux-schnell', 'flux-schnell'],
      ['flux-schnell', 'flux-schnell'],
    ])
    expect(images[0]?.regeneration?.outcome).toBe('regenerated')
  })

  it('parallel does not regenerate and makes the best image the primary one', async () => {
    const { result, submits, outputs, workspace } = await run('parallel', { 'image-count': '2' })
    expect(submits).toHaveLength(2)
    const scores = JSON.parse(outputs['quality-scores'] as string) as number[]
    expect(scores[0]).toBe(0)
    expect(scores[1]).toBeGreaterThan(0.7)
    expect(outputs['primary-image-index']).toBe('1')
    expect(outputs['used-model']).toBe('flux-schnell')
    const urls = JSON.parse(outputs['image-urls'] as string) as string[]
    expect(outputs['google-image-url']).toBe(urls[1])
    expect(await readFile(path.join(workspace, 'out/images/generated-image.png'))).toEqual(
      await readFile(path.join(workspace, 'out/images/generated-image-2.png')),
    )
    expect(result.report.generation_summary.primary_selection).toMatch(
      /highest overall quality score/,
    )
    expect(result.report.model_comparison).toMatchObject({
      best_quality_model: 'flux-schnell',
      models_tested: ['imagen4-fast', 'flux-schnell'],
    })
  })

  it('delivers the best image with IMG_004 when nothing meets the threshold', async () => {
    const { result, outputs, workspace } = await run(
      'smart',
      { 'image-count': '2' },
      {
        blankModels: [
          'imagen4_fast',
          'flux_schnell',
          'imagen4_ultra',
          'imagen3',
          'rundiffusion_photo_flux',
        ],
      },
    )
    expect(outputs['images-completed']).toBe('2')
    const warnings = JSON.parse(outputs['warnings'] as string) as { code: string }[]
    expect(warnings.map((w) => w.code)).toEqual(['IMG_004'])
    expect(result.report.warnings.map((w) => w.code)).toEqual(['IMG_004'])
    expect(existsSync(path.join(workspace, 'out/images/generated-image.png'))).toBe(true)
    // The regeneration budget (half of the images, at least one) bounds the extra calls.
    expect(
      result.report.images.filter((i) => i.regeneration?.outcome === 'regenerated'),
    ).toHaveLength(1)
    expect(
      result.report.images.filter((i) => i.regeneration?.outcome === 'skipped')[0]?.regeneration
        ?.reason,
    ).toMatch(/budget/)
  })
})
