import { describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { availableText, pickModel, sameModel } from '../../../src/providers/llm/models.js'
import type { LlmModelInfo } from '../../../src/providers/llm/types.js'

const MODELS: LlmModelInfo[] = [
  { id: 'text-embedding-nomic', type: 'embeddings', state: 'loaded' },
  { id: 'qwen2.5-vl-7b', type: 'vlm', state: 'not-loaded' },
  { id: 'llama-3.2-3b', type: 'llm', state: 'not-loaded' },
  { id: 'qwen2.5-7b-instruct', type: 'llm', state: 'loaded' },
]
const WHERE = { provider: 'lmstudio' as const, baseUrl: 'http://h:1234', input: 'llm-model' }

describe('pickModel', () => {
  it('returns a requested model that is listed (case-insensitive, Ollama :latest)', () => {
    expect(pickModel(MODELS, 'LLAMA-3.2-3B', 'chat', WHERE)).toBe('llama-3.2-3b')
    expect(sameModel('llava', { id: 'llava:latest', type: 'unknown', state: 'unknown' })).toBe(true)
    expect(sameModel('llava', { id: 'llava:7b', type: 'unknown', state: 'unknown' })).toBe(false)
  })

  it('defaults to the first loaded model fit for the purpose, else the first fit', () => {
    expect(pickModel(MODELS, undefined, 'chat', WHERE)).toBe('qwen2.5-7b-instruct')
    expect(pickModel(MODELS, '', 'vision', WHERE)).toBe('qwen2.5-vl-7b')
    expect(pickModel(MODELS, undefined, 'embeddings', WHERE)).toBe('text-embedding-nomic')
    const unloaded = MODELS.map((m) => ({ ...m, state: 'not-loaded' as const }))
    expect(pickModel(unloaded, undefined, 'chat', WHERE)).toBe('qwen2.5-vl-7b')
  })

  it('names the server and lists every model for an unknown id (LLM_003)', () => {
    let error: unknown
    try {
      pickModel(MODELS, 'gpt-4o', 'chat', WHERE)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KamuiError)
    const e = error as KamuiError
    expect(e.code).toBe('LLM_003')
    expect(e.message).toContain('Model "gpt-4o" is not available on LM Studio at http://h:1234.')
    expect(e.message).toContain(
      'Available models: text-embedding-nomic (embeddings, loaded), qwen2.5-vl-7b (vlm, not-loaded), ' +
        'llama-3.2-3b (llm, not-loaded), qwen2.5-7b-instruct (llm, loaded).',
    )
    expect(e.message).toContain('Set llm-model to one of them')
  })

  it('fails with LLM_003 when no model fits the purpose', () => {
    const chatOnly = MODELS.filter((m) => m.type === 'llm')
    expect(() => pickModel(chatOnly, undefined, 'vision', WHERE)).toThrow(
      /LLM_003: LM Studio at http:\/\/h:1234 has no vision model \(type vlm\)/,
    )
    expect(availableText([])).toBe('It lists no models.')
  })
})
