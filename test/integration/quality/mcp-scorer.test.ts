import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import type { McpServerEntry } from '../../../src/providers/mcp/config.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import {
  ModelEntrySchema,
  type ModelEntry,
  type ModelEntryInput,
} from '../../../src/models/types.js'
import { assessImage } from '../../../src/quality/assess.js'
import { NO_SCORER_REASON } from '../../../src/quality/overall.js'
import { McpScorer } from '../../../src/quality/scorers/mcp-scorer.js'
import type { ImageQuality } from '../../../src/quality/types.js'
import { QUALITY_WEIGHTS } from '../../../src/quality/types.js'
import { preview } from '../../unit/quality/calibration-images.js'

/**
 * The MCP scorer against a real scoring server process (test/fixtures/quality/score-server.ts):
 * its alignment is 0.9 when the prompt contains "lighthouse" (else 0.3) and its aesthetic the
 * image's mean brightness, so the numbers can be followed into the overall score.
 */

const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
const SERVER = fileURLToPath(new URL('../../fixtures/quality/score-server.ts', import.meta.url))
const REQUEST = { width: 1024, height: 1024 }
const ON_TOPIC = 'a lighthouse on a rocky coast at sunset, photorealistic'
const OFF_TOPIC = 'a bowl of fruit on a wooden table'

let pool: McpPool
let png: Buffer
let brightness: number
let baseline: ImageQuality

function scorer(input: Partial<ModelEntryInput>, logger = new MemoryLogger()): McpScorer {
  const entry: ModelEntry = {
    alias: 'test-judge',
    ...ModelEntrySchema.parse({
      kind: 'scorer',
      provider: 'mcp',
      call: { type: 'sync', tool: 'score_image' },
      ...input,
    }),
  }
  return new McpScorer(entry, pool, { logger })
}

function withTool(tool: string, extra: Partial<ModelEntryInput> = {}): McpScorer {
  return scorer({ call: { type: 'sync', tool }, ...extra })
}

async function assess(scorers: McpScorer[], prompt = ON_TOPIC, logger = new MemoryLogger()) {
  return assessImage(png, { prompt, requested: REQUEST, scorers, logger })
}

beforeAll(async () => {
  const servers: Record<string, McpServerEntry> = {
    scores: {
      kind: 'stdio',
      command: process.execPath,
      args: ['--import', TSX_LOADER, SERVER, '--keyword', 'lighthouse'],
      env: {},
    },
  }
  pool = new McpPool(servers, { logger: new MemoryLogger(), redactor: new Redactor(), env: {} })
  png = preview(0)
  const stats = await sharp(png).greyscale().stats()
  brightness = Math.round(((stats.channels[0]?.mean ?? 0) / 255) * 10_000) / 10_000
  baseline = await assessImage(png, { prompt: ON_TOPIC, requested: REQUEST })
}, 30_000)

afterAll(async () => {
  await pool?.close()
})

describe('McpScorer with a scoring tool on an MCP server', () => {
  it('brings alignment and aesthetic into the overall score with the original weights', async () => {
    const quality = await assess([scorer({})])
    const source = 'mcp:score_image on server "scores"'
    expect(quality.dimensions.alignment).toEqual({ score: 0.9, reason: null, source })
    expect(quality.dimensions.aesthetic).toEqual({ score: brightness, reason: null, source })
    expect(quality.appliedWeights).toEqual({ ...QUALITY_WEIGHTS })
    const { technicalScore, artefactScore } = quality.technical
    expect(quality.overall).toBeCloseTo(
      0.3 * technicalScore + 0.4 * 0.9 + 0.2 * brightness + 0.1 * artefactScore,
      3,
    )
    // Without the scorer the same pixels give 0.75 · technical + 0.25 · artefacts.
    expect(baseline.overall).toBeCloseTo(0.75 * technicalScore + 0.25 * artefactScore, 3)
    expect(quality.overall).not.toBeCloseTo(baseline.overall, 2)
  })

  it('follows the prompt: an off-topic prompt lowers the overall by 0.4 × (0.9 − 0.3)', async () => {
    const on = await assess([scorer({})], ON_TOPIC)
    const off = await assess([scorer({})], OFF_TOPIC)
    expect(off.dimensions.alignment.score).toBe(0.3)
    expect(on.overall - off.overall).toBeCloseTo(0.4 * 0.6, 3)
  })

  it('reads structuredContent on a declared 0–10 scale, sending image_base64', async () => {
    const quality = await assess([withTool('score_ten', { scoreScale: 10 })])
    expect(quality.dimensions.alignment.score).toBeCloseTo(0.9, 3)
    expect(quality.dimensions.aesthetic.score).toBeCloseTo(brightness, 3)
    expect(quality.dimensions.alignment.source).toBe('mcp:score_ten on server "scores"')
  })

  it('renormalises over what the tool measured when it returns only aesthetic', async () => {
    const quality = await assess([withTool('score_aesthetic_only')])
    expect(quality.dimensions.aesthetic.score).toBe(brightness)
    expect(quality.dimensions.alignment).toEqual({
      score: null,
      reason: 'not measured: scorer "test-judge" returned no alignment score',
      source: null,
    })
    const { technicalScore, artefactScore } = quality.technical
    expect(quality.appliedWeights.alignment).toBe(0)
    expect(quality.appliedWeights.technical).toBeCloseTo(0.5, 6)
    expect(quality.overall).toBeCloseTo(
      (0.3 * technicalScore + 0.2 * brightness + 0.1 * artefactScore) / 0.6,
      3,
    )
  })

  it.each([
    ['score_out_of_range', 'GEN_001', 'alignment = 7, which is not a number in 0–1'],
    ['score_not_a_number', 'GEN_001', 'alignment = "high"'],
    ['score_fails', 'GEN_001', 'model overloaded, try later'],
    ['score_no_image', 'CFG_003', 'declares none of the image inputs'],
    ['score_missing', 'IMG_002', 'tool "score_missing" was not found'],
  ])(
    '%s: the scorer fails with %s and the image falls back to the pixel score',
    async (tool, code, text) => {
      const direct = await withTool(tool)
        .score({ png, prompt: ON_TOPIC, signal: new AbortController().signal })
        .catch((e: unknown) => e)
      expect(direct).toBeInstanceOf(KamuiError)
      expect((direct as KamuiError).code).toBe(code)
      expect((direct as KamuiError).message).toContain(text)

      const logger = new MemoryLogger()
      const quality = await assess([withTool(tool)], ON_TOPIC, logger)
      for (const d of ['alignment', 'aesthetic'] as const) {
        expect(quality.dimensions[d].score).toBeNull()
        expect(quality.dimensions[d].reason).toContain(`scorer "test-judge" failed: ${code}`)
        expect(quality.dimensions[d].reason).toContain(text)
      }
      expect(quality.overall).toBe(baseline.overall)
      expect(logger.lines.some((l) => l.level === 'warn' && l.message.includes(code))).toBe(true)
    },
  )

  it('without a scorer: null with a reason, and no number where nothing was measured', () => {
    for (const d of ['alignment', 'aesthetic'] as const) {
      expect(baseline.dimensions[d]).toEqual({
        score: null,
        reason: NO_SCORER_REASON,
        source: null,
      })
      expect(baseline.appliedWeights[d]).toBe(0)
    }
    const json = JSON.parse(JSON.stringify(baseline)) as ImageQuality
    for (const d of Object.values(json.dimensions)) {
      expect(d.score === null ? typeof d.reason : typeof d.source).toBe('string')
    }
    for (const m of Object.values(json.technical.metrics)) {
      if (m.value === null) expect(m.score).toBeNull()
    }
  })
})
