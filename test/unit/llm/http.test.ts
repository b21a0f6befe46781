import { describe, expect, it } from 'vitest'
import { normaliseBaseUrl, parseServerError } from '../../../src/providers/llm/http.js'
import { ollamaMessage } from '../../../src/providers/llm/ollama.js'
import { isModelError } from '../../../src/providers/llm/server-errors.js'

describe('parseServerError', () => {
  it('reads string errors (LM Studio "No models loaded", Ollama)', () => {
    expect(parseServerError('{"error":"No models loaded. Please load a model."}')).toEqual({
      message: 'No models loaded. Please load a model.',
      code: null,
      type: null,
    })
  })

  it('reads object errors (OpenAI style)', () => {
    const body = {
      error: {
        message: 'Invalid model identifier "x".',
        type: 'invalid_request_error',
        param: 'model',
        code: 'model_not_found',
      },
    }
    expect(parseServerError(JSON.stringify(body))).toEqual({
      message: 'Invalid model identifier "x".',
      code: 'model_not_found',
      type: 'invalid_request_error',
    })
    expect(parseServerError(body)).toEqual(parseServerError(JSON.stringify(body)))
  })

  it('returns null for bodies without an error and for non-JSON', () => {
    expect(parseServerError('{"choices":[]}')).toBeNull()
    expect(parseServerError('<html>502</html>')).toBeNull()
  })

  it('recognises the model errors of both servers', () => {
    const e = (message: string, code: string | null = null) => ({ message, code, type: null })
    expect(isModelError(e('x', 'model_not_found'))).toBe(true)
    expect(isModelError(e('No models loaded. Please load a model in the developer page'))).toBe(
      true,
    )
    expect(isModelError(e('Invalid model identifier "gpt-4o".'))).toBe(true)
    expect(isModelError(e('model "llama9" not found, try pulling it first'))).toBe(true)
    expect(isModelError(e("'response_format.type' must be 'json_schema' or 'text'"))).toBe(false)
  })
})

describe('normaliseBaseUrl', () => {
  it('drops /v1, /api and trailing slashes', () => {
    expect(normaliseBaseUrl('http://127.0.0.1:1234/v1/', 'llm-url')).toBe('http://127.0.0.1:1234')
    expect(normaliseBaseUrl(' http://gpu-box:11434/api ', 'ollama-url')).toBe(
      'http://gpu-box:11434',
    )
    expect(normaliseBaseUrl('https://h/proxy/lmstudio/v1', 'llm-url')).toBe(
      'https://h/proxy/lmstudio',
    )
  })

  it('rejects what is not an http(s) URL with CFG_001 naming the input', () => {
    expect(() => normaliseBaseUrl('127.0.0.1:1234', 'llm-url')).toThrow(/CFG_001: llm-url must be/)
    expect(() => normaliseBaseUrl('ftp://h', 'ollama-url')).toThrow(/CFG_001: ollama-url/)
  })
})

describe('ollamaMessage', () => {
  it('turns OpenAI content parts into content and bare base64 images', () => {
    expect(
      ollamaMessage({
        role: 'user',
        content: [
          { type: 'text', text: 'Prompt: a cat' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0K' } },
        ],
      }),
    ).toEqual({ role: 'user', content: 'Prompt: a cat', images: ['iVBORw0K'] })
    expect(ollamaMessage({ role: 'system', content: 'be brief' })).toEqual({
      role: 'system',
      content: 'be brief',
    })
  })

  it('refuses image URLs that are not data URLs (Ollama cannot fetch them)', () => {
    expect(() =>
      ollamaMessage({
        role: 'user',
        content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }],
      }),
    ).toThrow(/LLM_002/)
  })
})
