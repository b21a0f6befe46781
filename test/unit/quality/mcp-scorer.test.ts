import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { silentLogger } from '../../../src/core/logger.js'
import { Redactor } from '../../../src/core/redactor.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { loadRegistryFile } from '../../../src/models/registry.js'
import {
  ModelEntrySchema,
  type ModelEntry,
  type ModelEntryInput,
} from '../../../src/models/types.js'
import { McpScorer, parseScores } from '../../../src/quality/scorers/mcp-scorer.js'

function entry(input: Partial<ModelEntryInput>): ModelEntry {
  return {
    alias: 'judge',
    ...ModelEntrySchema.parse({
      kind: 'scorer',
      provider: 'mcp',
      call: { type: 'sync', tool: 'score_image' },
      ...input,
    }),
  }
}

function failure(run: () => unknown): KamuiError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(KamuiError)
    return error as KamuiError
  }
  throw new Error('expected a KamuiError')
}

const pool = new McpPool({}, { logger: silentLogger, redactor: new Redactor(), env: {} })

describe('parseScores', () => {
  it('reads the scores from structuredContent first, then from JSON text', () => {
    expect(
      parseScores({
        content: [{ type: 'text', text: '{"alignment": 0.1}' }],
        structuredContent: { prompt_alignment: 0.8, aesthetic_score: 0.6 },
      }),
    ).toEqual({ alignment: 0.8, aesthetic: 0.6 })
    expect(
      parseScores({
        content: [{ type: 'text', text: 'Scores:\n```json\n{"clip_score": 0.31}\n```' }],
      }),
    ).toEqual({ alignment: 0.31 })
  })

  it('divides by the declared scale', () => {
    expect(
      parseScores(
        { content: [{ type: 'text', text: '{"alignment": 9, "aesthetic": 6.5}' }] },
        { scale: 10 },
      ),
    ).toEqual({ alignment: 0.9, aesthetic: 0.65 })
  })

  it('refuses values outside the scale or not numbers with GEN_001 naming the field', () => {
    const out = failure(() =>
      parseScores({ content: [{ type: 'text', text: '{"alignment": 7}' }] }, { where: 'tool "t"' }),
    )
    expect(out.code).toBe('GEN_001')
    expect(out.message).toContain('tool "t" returned alignment = 7, which is not a number in 0–1')
    expect(out.message).toContain('scoreScale')
    const word = failure(() =>
      parseScores({ content: [{ type: 'text', text: '{"aesthetic_score": "0.5"}' }] }),
    )
    expect(word.message).toContain('aesthetic_score = "0.5"')
    const over = failure(() =>
      parseScores({ structuredContent: { aesthetic: 11 }, content: [] }, { scale: 10 }),
    )
    expect(over.message).toContain('aesthetic = 11, which is not a number in 0–10 (scoreScale 10)')
    const negative = failure(() =>
      parseScores({ structuredContent: { alignment: -0.1 }, content: [] }),
    )
    expect(negative.code).toBe('GEN_001')
  })

  it('refuses an answer without scores with GEN_001 quoting it, redacted', () => {
    const none = failure(() =>
      parseScores(
        { content: [{ type: 'text', text: 'I like it, token sk-secret-123' }] },
        { redact: (t) => t.replace('sk-secret-123', '***') },
      ),
    )
    expect(none.code).toBe('GEN_001')
    expect(none.message).toContain('returned no score')
    expect(none.message).toContain('token ***')
    expect(none.message).not.toContain('sk-secret-123')
  })
})

describe('McpScorer', () => {
  it('is built from a scorer entry only', () => {
    expect(new McpScorer(entry({}), pool).name).toBe('judge')
    const image = failure(() => new McpScorer(entry({ kind: 'image' }), pool))
    expect(image.code).toBe('CFG_003')
    expect(image.message).toContain('kind "scorer"')
    const async = failure(
      () =>
        new McpScorer(
          entry({ call: { type: 'async', submit: 'a', status: 'b', result: 'c' } }),
          pool,
        ),
    )
    expect(async.code).toBe('CFG_003')
  })

  it('reads scoreScale from a registry file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kamui-scorer-'))
    try {
      const file = path.join(dir, 'models.yaml')
      await writeFile(
        file,
        'models:\n  judge:\n    kind: scorer\n    provider: mcp\n    call: { type: sync, tool: score_image }\n    scoreScale: 10\n',
      )
      const [loaded] = await loadRegistryFile(file)
      expect(loaded).toMatchObject({ alias: 'judge', kind: 'scorer', scoreScale: 10 })
      await writeFile(
        file,
        'models:\n  judge:\n    kind: scorer\n    provider: mcp\n    call: { type: sync, tool: x }\n    scoreScale: 0\n',
      )
      const error = await loadRegistryFile(file).catch((e: unknown) => e)
      expect((error as KamuiError).code).toBe('CFG_003')
      expect((error as KamuiError).message).toContain('scoreScale')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
