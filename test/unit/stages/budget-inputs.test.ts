import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { parseBudgetInputs } from '../../../src/contracts/budget-inputs.js'
import { parseV1Inputs, parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import {
  IMAGE_GENERATION_INPUTS,
  IMAGE_GENERATION_V2_INPUTS,
} from '../../../src/stages/image-generation/spec.js'
import { KEYFRAMES_INPUTS } from '../../../src/stages/keyframes/spec.js'
import { VIDEO_GENERATION_INPUTS } from '../../../src/stages/video-generation/spec.js'
import { POINTCLOUD_GENERATION_INPUTS } from '../../../src/stages/pointcloud-generation/spec.js'
import { PIPELINE_INPUTS } from '../../../src/stages/pipeline/spec.js'
import { parsePipelineInputs, type StageRequest } from '../../../src/stages/pipeline/inputs.js'

function inputsOf<T>(request: StageRequest<T>): T {
  if ('error' in request) throw new Error(`expected inputs, got ${String(request.error)}`)
  return request.inputs
}

const names = (specs: readonly { name: string }[]): string[] => specs.map((s) => s.name)

describe('max-cost-usd and dry-run inputs (issue 11 §5)', () => {
  it('parses the cap in US dollars (empty: none) and refuses a malformed one with CFG_001', () => {
    expect(parseBudgetInputs({})).toEqual({ maxCostUsd: undefined, dryRun: false })
    expect(parseBudgetInputs({ 'max-cost-usd': ' 0.10 ', 'dry-run': 'true' })).toEqual({
      maxCostUsd: 0.1,
      dryRun: true,
    })
    expect(parseBudgetInputs({ 'max-cost-usd': '0' }).maxCostUsd).toBe(0)
    for (const bad of ['-1', 'ten', '1e9']) {
      let error: unknown
      try {
        parseBudgetInputs({ 'max-cost-usd': bad })
      } catch (e) {
        error = e
      }
      expect(isKamuiError(error, 'CFG_001'), bad).toBe(true)
      expect((error as Error).message).toMatch(/max-cost-usd/)
    }
    expect(() => parseBudgetInputs({ 'dry-run': 'maybe' })).toThrow(/CFG_001: dry-run/)
  })

  it('is declared on every generating stage and the pipeline, never on the legacy v1 action', () => {
    expect(names(IMAGE_GENERATION_V2_INPUTS)).toEqual(
      expect.arrayContaining(['max-cost-usd', 'dry-run']),
    )
    for (const specs of [KEYFRAMES_INPUTS, VIDEO_GENERATION_INPUTS, POINTCLOUD_GENERATION_INPUTS])
      expect(names(specs)).toContain('max-cost-usd')
    expect(names(PIPELINE_INPUTS)).toContain('max-cost-usd')
    expect(names(IMAGE_GENERATION_INPUTS)).not.toContain('max-cost-usd')
    expect(names(IMAGE_GENERATION_INPUTS)).not.toContain('dry-run')
    // v1 has no budget and no dry run whatever it is given.
    const v1 = parseV1Inputs({
      'image-prompt': 'p',
      'folder-name': 'out',
      'max-cost-usd': '1',
      'dry-run': 'true',
    })
    expect(v1.budget).toEqual({ maxCostUsd: undefined, dryRun: false })
    expect(
      parseV2Inputs({ 'image-prompt': 'p', 'folder-name': 'out', 'max-cost-usd': '2.5' }).budget
        .maxCostUsd,
    ).toBe(2.5)
  })

  it('passes the pipeline’s max-cost-usd to each generating stage as its own cap', () => {
    const p = parsePipelineInputs({
      concept: 'A lighthouse at dusk',
      'folder-name': 'out/run',
      'max-cost-usd': '0.5',
    })
    expect(inputsOf(p.image).budget).toEqual({ maxCostUsd: 0.5, dryRun: false })
    expect(inputsOf(p.keyframes).maxCostUsd).toBe(0.5)
    expect(inputsOf(p.video).maxCostUsd).toBe(0.5)
    expect(inputsOf(p.pointcloud).maxCostUsd).toBe(0.5)
    const open = parsePipelineInputs({ concept: 'x', 'folder-name': 'out/run' })
    expect(inputsOf(open.image).budget.maxCostUsd).toBeUndefined()
    expect(inputsOf(open.video).maxCostUsd).toBeUndefined()
  })
})
