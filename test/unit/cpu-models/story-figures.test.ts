import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/core/logger.js'
import { MINILM_L6_V2 } from '../../../src/models/cpu/catalog.js'
import {
  measureStoryFigures,
  shannonEntropyBits,
  STORY_THEMES,
  type TextEmbedder,
} from '../../../src/stages/keyframes/story-figures.js'
import {
  cpuTextEmbedder,
  llmTextEmbedder,
} from '../../../src/stages/keyframes/story-figures-embedder.js'
import type { LlmClient } from '../../../src/providers/llm/types.js'
import { KamuiError } from '../../../src/core/errors.js'
import type { Story, Storyboard } from '../../../src/stages/keyframes/storyboard.js'
import {
  axisWords,
  closedPortUrl,
  fakeHub,
  tinyCatalogEntry,
  tinyMiniLmFiles,
} from './tiny-models.js'

const story = (narrative: string, keyMoments: string[]): Story => ({
  title: 't',
  narrative,
  tone: 'calm',
  visualStyle: 'soft',
  keyMoments,
})

function storyboard(concept: string | null, descriptions: string[]): Storyboard {
  return {
    source: 'generated',
    concept,
    story: null,
    segments: descriptions.map((description, i) => ({
      index: i + 1,
      type: i === 0 ? 'hook' : i === descriptions.length - 1 ? 'cta' : 'body',
      label: i === 0 ? 'Hook' : i === descriptions.length - 1 ? 'CTA' : `Body ${i}`,
      description,
      duration: 5,
      title: null,
    })),
  }
}

describe('story figures', () => {
  it('Shannon entropy in bits', () => {
    expect(shannonEntropyBits([1, 1, 1, 1])).toBe(2)
    expect(shannonEntropyBits([4, 0, 0])).toBe(0)
    expect(shannonEntropyBits([2, 1, 1])).toBeCloseTo(1.5, 10)
    expect(shannonEntropyBits([])).toBe(0)
  })

  describe('with a tiny sentence-embedding model (one axis per theme word, real pipeline)', () => {
    const files = tinyMiniLmFiles(axisWords([...STORY_THEMES]))
    const model = tinyCatalogEntry(MINILM_L6_V2, files)
    let cacheDir: string
    let embedder: TextEmbedder
    beforeAll(async () => {
      cacheDir = mkdtempSync(path.join(os.tmpdir(), 'kamui-minilm-'))
      const hub = await fakeHub(model, files)
      const made = await cpuTextEmbedder(
        model,
        { cacheDir, hubUrl: hub.url, offline: false },
        { logger: silentLogger },
      )
      await hub.close()
      if ('unavailable' in made) throw new Error(made.unavailable)
      embedder = made
    })
    afterAll(() => rmSync(cacheDir, { recursive: true, force: true }))

    it('entropy of the themes across stories and per-segment concept alignment, with targets and method', async () => {
      const stories = [
        story('family', ['adventure', 'luxury', 'nature']),
        story('family', ['family', 'nature', 'nature']),
      ]
      const figures = await measureStoryFigures(
        storyboard('family adventure', ['family', 'adventure', 'family adventure', 'luxury']),
        stories,
        embedder,
      )
      expect(figures.method).toMatch(
        /^sentence embeddings of all-minilm-l6-v2 \(kamui-tests\/tiny-all-minilm-l6-v2@0123456\) on the CPU, mean pooling, L2-normalised$/,
      )
      // 8 parts: family 3, nature 3, adventure 1, luxury 1.
      expect(figures.entropy.themes).toEqual({ family: 3, adventure: 1, luxury: 1, nature: 3 })
      expect(figures.entropy.bits).toBeCloseTo(shannonEntropyBits([3, 3, 1, 1]), 4)
      expect(figures.entropy).toMatchObject({
        parts: 8,
        stories: 2,
        target: 2,
        meets: false,
        reason: null,
      })
      expect(figures.alignment.segments.map((s) => s.cosine)).toEqual([0.7071, 0.7071, 1, 0])
      expect(figures.alignment.mean).toBeCloseTo((0.7071 * 2 + 1) / 4, 3)
      expect(figures.alignment).toMatchObject({ min: 0, target: 0.75, meets: false, reason: null })
      expect(figures.alignment.segments[0]).toMatchObject({ index: 1, label: 'Hook' })
    })

    it('no stories or no concept: that figure is null with the reason', async () => {
      const figures = await measureStoryFigures(storyboard(null, ['family']), undefined, embedder)
      expect(figures.entropy.bits).toBeNull()
      expect(figures.entropy.reason).toMatch(/no stories were written/)
      expect(figures.alignment.mean).toBeNull()
      expect(figures.alignment.reason).toMatch(/no concept/)
    })
  })

  it('no model (empty cache, no network): every figure null, with the reason', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'kamui-minilm-empty-'))
    try {
      const made = await cpuTextEmbedder(
        MINILM_L6_V2,
        { cacheDir: empty, hubUrl: await closedPortUrl(), offline: false },
        { logger: silentLogger },
      )
      const figures = await measureStoryFigures(storyboard('x', ['y']), [story('a', ['b'])], made)
      expect(figures.method).toBeNull()
      expect(figures.entropy.bits).toBeNull()
      expect(figures.alignment.mean).toBeNull()
      expect(figures.entropy.reason).toMatch(
        /^not measured: no sentence-embedding model \(QA_001: all-minilm-l6-v2 \(Xenova\/all-MiniLM-L6-v2@751bff3\) is not in the model cache/,
      )
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })

  it("the local LLM's embeddings endpoint: its vectors, its model in the method; unavailable when it has none", async () => {
    const asked: string[][] = []
    const client = {
      model: 'text-embedding-test',
      provider: 'lmstudio',
      baseUrl: 'http://127.0.0.1:1234/v1',
      embed: (input: string[]) => {
        asked.push(input)
        return Promise.resolve(input.map((t) => (t.includes('family') ? [1, 0] : [0, 1])))
      },
    } as unknown as LlmClient
    const embedder = await llmTextEmbedder(() => Promise.resolve(client), { logger: silentLogger })
    if ('unavailable' in embedder) throw new Error(embedder.unavailable)
    expect(embedder.method).toBe(
      'embeddings of text-embedding-test from the local LLM (lmstudio at http://127.0.0.1:1234/v1), cosine similarity',
    )
    const figures = await measureStoryFigures(
      storyboard('family', ['family time', 'a rocket']),
      undefined,
      embedder,
    )
    expect(figures.alignment.segments.map((s) => s.cosine)).toEqual([1, 0])
    expect(asked[0]).toEqual(['family', 'family time', 'a rocket'])
    const none = await llmTextEmbedder(
      () => Promise.reject(new KamuiError('LLM_001', 'no server')),
      { logger: silentLogger },
    )
    expect(none).toEqual({ unavailable: 'LLM_001: no server' })
  })
})
