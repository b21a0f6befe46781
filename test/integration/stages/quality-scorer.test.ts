import { writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { v2Outputs } from '../../../src/stages/image-generation/outputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const SCORE_SERVER = path.resolve(import.meta.dirname, '../../fixtures/quality/score-server.ts')
const REGISTRY =
  'models:\n  judge:\n    kind: scorer\n    provider: mcp\n    call: { type: sync, tool: score_image }\n'

describe('a quality scorer reached through MCP', () => {
  let server: FakeKamuiHandle
  beforeAll(async () => {
    server = await startFakeKamui({ latencyMs: 20, longSide: 256 })
  })
  afterAll(async () => {
    await server.stop()
  })

  async function run(withScorer: boolean) {
    const workspace = await tempWorkspace()
    await writeFile(path.join(workspace, 'registry.yaml'), REGISTRY)
    const result = await runImageGeneration(
      parseV2Inputs({
        'image-prompt': 'A bouquet of roses',
        'folder-name': 'out',
        'mcp-config': JSON.stringify({
          mcpServers: {
            kamui: server.entry(),
            judge: {
              command: process.execPath,
              args: ['--import', TSX, SCORE_SERVER, '--keyword', 'roses'],
            },
          },
        }),
        models: 'imagen4-fast,flux-schnell',
        'image-count': '4',
        'image-size': '256x256',
        'generation-strategy': 'parallel',
        'model-registry': 'registry.yaml',
        'quality-scorer': withScorer ? 'judge' : 'none',
        seed: '9',
      }),
      testContext(workspace),
    )
    return { result, outputs: v2Outputs(result, workspace) }
  }

  it('feeds alignment and aesthetics into the overall score and the primary choice', async () => {
    const { result, outputs } = await run(true)
    const images = result.report.images
    for (const image of images) {
      const q = image.quality
      expect(q?.alignment).toMatchObject({ score: 0.9, reason: null })
      expect(q?.alignment.source).toMatch(/score_image/)
      const aesthetic = q?.aesthetic.score as number
      expect(aesthetic).toBeGreaterThan(0)
      const technical = q?.technical.score as number
      const artefacts = q?.artefacts.score as number
      const expected = 0.3 * technical + 0.4 * 0.9 + 0.2 * aesthetic + 0.1 * artefacts
      expect(q?.overall).toBeCloseTo(expected, 2)
      expect(q?.applied_weights).toEqual({
        technical: 0.3,
        alignment: 0.4,
        aesthetic: 0.2,
        artefacts: 0.1,
      })
    }
    // The primary image is the best overall: here the one the scorer found most aesthetic.
    const best = images.reduce((a, b) =>
      (b.quality?.overall ?? 0) > (a.quality?.overall ?? 0) ? b : a,
    )
    expect(Number(outputs['primary-image-index'])).toBe(images.indexOf(best))
    expect(result.report.notices.join(' ')).toMatch(/scored by judge/)
  })

  it('reports alignment and aesthetics as not measured without a scorer', async () => {
    const { result } = await run(false)
    for (const image of result.report.images) {
      expect(image.quality?.alignment).toMatchObject({ score: null })
      expect(image.quality?.alignment.reason).toMatch(/not measured/)
      expect(image.quality?.aesthetic.score).toBeNull()
      expect(image.quality?.applied_weights['alignment']).toBe(0)
      expect(image.quality?.applied_weights['aesthetic']).toBe(0)
    }
  })
})
