import { describe, expect, it } from 'vitest'
import { LLM_INPUTS, parseLlmInputs } from '../../../src/providers/llm/inputs.js'

describe('parseLlmInputs', () => {
  it('applies the defaults: translation off, local URLs, first-token 300 s', () => {
    expect(parseLlmInputs({})).toEqual({
      translate: 'off',
      enhance: false,
      lmStudioUrl: 'http://127.0.0.1:1234',
      ollamaUrl: 'http://127.0.0.1:11434',
      model: undefined,
      ollamaModel: undefined,
      visionModel: undefined,
      firstTokenTimeoutMs: 300_000,
    })
    expect(LLM_INPUTS.map((i) => i.name)).toEqual([
      'translate-prompt',
      'enhance-prompt',
      'llm-url',
      'ollama-url',
      'llm-model',
      'ollama-model',
      'vision-model',
      'llm-first-token-timeout',
    ])
  })

  it('parses the values as given', () => {
    expect(
      parseLlmInputs({
        'translate-prompt': 'AUTO',
        'enhance-prompt': 'true',
        'llm-url': 'http://gpu:1234/v1',
        'ollama-url': ' ',
        'llm-model': ' qwen2.5-7b-instruct ',
        'vision-model': 'qwen2.5-vl-7b',
        'llm-first-token-timeout': '600',
      }),
    ).toMatchObject({
      translate: 'auto',
      enhance: true,
      lmStudioUrl: 'http://gpu:1234',
      ollamaUrl: 'http://127.0.0.1:11434',
      model: 'qwen2.5-7b-instruct',
      visionModel: 'qwen2.5-vl-7b',
      firstTokenTimeoutMs: 600_000,
    })
  })

  it('turns a server off with none (an empty value means the default, as on the runner)', () => {
    expect(parseLlmInputs({ 'llm-url': 'none', 'ollama-url': 'OFF' })).toMatchObject({
      lmStudioUrl: undefined,
      ollamaUrl: undefined,
    })
    expect(parseLlmInputs({ 'ollama-url': '' }).ollamaUrl).toBe('http://127.0.0.1:11434')
  })

  it.each([
    [{ 'translate-prompt': 'sometimes' }, /translate-prompt must be one of auto, always, off/],
    [{ 'enhance-prompt': 'maybe' }, /enhance-prompt must be true or false/],
    [{ 'llm-url': 'localhost:1234' }, /llm-url must be an http\(s\) URL/],
    [{ 'llm-first-token-timeout': '0' }, /llm-first-token-timeout must be a number of seconds/],
  ])('rejects %o with CFG_001', (raw, message) => {
    expect(() => parseLlmInputs(raw)).toThrow(message)
    expect(() => parseLlmInputs(raw)).toThrow(/^CFG_001/)
  })
})
