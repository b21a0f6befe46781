import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { parseV1Inputs, parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'

const base = { 'image-prompt': 'a fox', 'folder-name': 'out/fox' }

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return isKamuiError(error) ? error.code : 'not-kamui'
  }
  return undefined
}

describe('parseV2Inputs', () => {
  it('applies the spec defaults (SPEC §5)', () => {
    const inputs = parseV2Inputs(base)
    expect(inputs).toMatchObject({
      prompt: 'a fox',
      imageCount: 1,
      models: 'auto',
      strategy: 'smart',
      enableComparison: false,
      qualityThreshold: 0.7,
      maxParallel: 3,
      perImageTimeoutMs: 300_000,
      totalTimeoutMs: 1_800_000,
      width: 1024,
      height: 1024,
      seed: undefined,
      mcpConfig: undefined,
      legacyV1: false,
    })
  })

  it.each(['0', '11', 'abc', '2.5', '-1', ' '])('rejects image-count %j with IMG_001', (value) => {
    expect(codeOf(() => parseV2Inputs({ ...base, 'image-count': value }))).toBe('IMG_001')
  })

  it('names the input and the value in the IMG_001 message', () => {
    expect(() => parseV2Inputs({ ...base, 'image-count': '11' })).toThrow(
      /IMG_001: image-count must be a whole number from 1 to 10, got "11"/,
    )
  })

  it('rejects an empty or blank prompt with IMG_009', () => {
    expect(codeOf(() => parseV2Inputs({ ...base, 'image-prompt': '' }))).toBe('IMG_009')
    expect(codeOf(() => parseV2Inputs({ ...base, 'image-prompt': '   \n' }))).toBe('IMG_009')
  })

  it('parses models as a comma list and rejects mixing auto', () => {
    expect(parseV2Inputs({ ...base, models: ' imagen4-fast , flux-schnell ' }).models).toEqual([
      'imagen4-fast',
      'flux-schnell',
    ])
    expect(codeOf(() => parseV2Inputs({ ...base, models: 'auto,flux-schnell' }))).toBe('CFG_001')
  })

  it.each([
    ['generation-strategy', 'fastest'],
    ['max-parallel', '0'],
    ['max-parallel', '11'],
    ['quality-threshold', '1.5'],
    ['enable-comparison', 'maybe'],
    ['image-size', '10x10'],
    ['seed', '-3'],
  ])('rejects %s=%j with CFG_001', (name, value) => {
    expect(codeOf(() => parseV2Inputs({ ...base, [name]: value }))).toBe('CFG_001')
  })

  it('converts seconds to milliseconds and parses the size', () => {
    const inputs = parseV2Inputs({
      ...base,
      'per-image-timeout': '2.5',
      'image-size': '1280x720',
      seed: '42',
    })
    expect(inputs.perImageTimeoutMs).toBe(2500)
    expect([inputs.width, inputs.height, inputs.seed]).toEqual([1280, 720, 42])
  })
})

describe('parseV1Inputs', () => {
  it('makes one imagen4-fast image, as the legacy module did', () => {
    const inputs = parseV1Inputs({
      ...base,
      'branch-name': 'main',
      'oauth-token': 'x',
      'mcp-config': '',
    })
    expect(inputs).toMatchObject({
      imageCount: 1,
      models: ['imagen4-fast'],
      legacyV1: true,
      branchName: 'main',
    })
  })
})
