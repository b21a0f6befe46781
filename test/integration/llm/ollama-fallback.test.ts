import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { createLlmClient } from '../../../src/providers/llm/create.js'
import { OllamaClient } from '../../../src/providers/llm/ollama.js'
import {
  closedPortUrl,
  startFakeLmStudio,
  type FakeLlmHandle,
} from '../../fixtures/servers/fake-lmstudio/start.js'
import {
  startFakeOllama,
  type FakeOllamaOptions,
} from '../../fixtures/servers/fake-ollama/start.js'

/**
 * The Ollama fallback: when LM Studio is down (nothing listening, or a server that resets
 * every connection), `createLlmClient` connects the fake Ollama process and the client says
 * so (`provider`, `fallbackFrom`).
 */

const Translation = z.object({ source_language: z.string(), english: z.string().min(1) })
const RULES = [{ contains: '灯台', content: { source_language: 'ja', english: 'A lighthouse' } }]

const fakes: FakeLlmHandle[] = []
async function ollama(options: FakeOllamaOptions = {}): Promise<FakeLlmHandle> {
  const handle = await startFakeOllama({ rules: RULES, ...options })
  fakes.push(handle)
  return handle
}
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.stop()))
})

async function rejection(promise: Promise<unknown>): Promise<KamuiError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof KamuiError) return error
    throw error
  }
  throw new Error('expected a rejection')
}

function translate(client: { chatStructured: OllamaClient['chatStructured'] }) {
  return client.chatStructured({
    schema: Translation,
    schemaName: 'prompt_translation',
    messages: [{ role: 'user', content: '崖の上の灯台' }],
  })
}

describe('Ollama fallback when LM Studio is down', () => {
  let server: FakeLlmHandle
  let downUrl: string
  beforeAll(async () => {
    server = await ollama()
    downUrl = await closedPortUrl()
  })

  it('uses Ollama when nothing listens on the LM Studio port, and says so', async () => {
    const logger = new MemoryLogger()
    const client = await createLlmClient({ lmStudioUrl: downUrl, ollamaUrl: server.url, logger })
    expect(client.provider).toBe('ollama')
    expect(client.baseUrl).toBe(server.url)
    expect(client.model).toBe('qwen2.5:7b')
    expect(client.fallbackFrom).toEqual({
      provider: 'lmstudio',
      baseUrl: downUrl,
      reason: 'connection refused',
    })
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message:
        `LM Studio at ${downUrl} is down (connection refused); using the Ollama fallback at ` +
        `${server.url}, model "qwen2.5:7b".`,
    })
    const answer = await translate(client)
    expect(answer.provider).toBe('ollama')
    expect(answer.value).toEqual({ source_language: 'ja', english: 'A lighthouse' })
    const sent = (await server.requests()).filter((r) => r.path === '/api/chat').at(-1)
    expect(sent?.body).toMatchObject({
      model: 'qwen2.5:7b',
      stream: false,
      format: {
        type: 'object',
        properties: { source_language: { type: 'string' }, english: { type: 'string' } },
        required: ['source_language', 'english'],
        additionalProperties: false,
      },
      options: { num_predict: 1024 },
    })
  })

  it('uses Ollama when LM Studio resets every connection', async () => {
    const crashing = await startFakeLmStudio({ down: true })
    fakes.push(crashing)
    const client = await createLlmClient({ lmStudioUrl: crashing.url, ollamaUrl: server.url })
    expect(client.provider).toBe('ollama')
    expect(client.fallbackFrom?.reason).toMatch(/socket hang up|connection reset/)
  })

  it('fails with LLM_001 naming both servers when Ollama is down too', async () => {
    const ollamaDown = await closedPortUrl()
    const e = await rejection(createLlmClient({ lmStudioUrl: downUrl, ollamaUrl: ollamaDown }))
    expect(e.code).toBe('LLM_001')
    expect(e.message).toContain(
      `No local LLM server answered (LM Studio at ${downUrl}: connection refused; Ollama at ` +
        `${ollamaDown}: connection refused).`,
    )
    expect(e.message).toContain('translate-prompt: off')
  })

  it('does not fall back without an Ollama URL', async () => {
    const e = await rejection(createLlmClient({ lmStudioUrl: downUrl, ollamaUrl: undefined }))
    expect(e.code).toBe('LLM_001')
    expect(e.message).not.toContain('Ollama at')
  })

  it('resolves the Ollama model: ollama-model, else llm-model, with the implicit :latest tag', async () => {
    const byOllamaModel = await createLlmClient({
      lmStudioUrl: downUrl,
      ollamaUrl: server.url,
      model: 'qwen2.5-7b-instruct',
      ollamaModel: 'nomic-embed-text',
    })
    expect(byOllamaModel.model).toBe('nomic-embed-text:latest')
    const e = await rejection(
      createLlmClient({
        lmStudioUrl: downUrl,
        ollamaUrl: server.url,
        model: 'qwen2.5-7b-instruct',
      }),
    )
    expect(e.code).toBe('LLM_003')
    expect(e.message).toBe(
      `LLM_003: Model "qwen2.5-7b-instruct" is not available on Ollama at ${server.url}. ` +
        'Available models: qwen2.5:7b (loaded), llava:7b (vlm, not-loaded), ' +
        'nomic-embed-text:latest (embeddings, not-loaded). Set llm-model (or ollama-model) to one ' +
        'of them, or pull it first (ollama pull qwen2.5-7b-instruct).',
    )
  })

  it('maps Ollama\'s 404 "model not found" string error to LLM_003', async () => {
    const client = new OllamaClient({ baseUrl: server.url, model: 'llama9' })
    const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
    expect(e.code).toBe('LLM_003')
    expect(e.message).toContain('HTTP 404 "model "llama9" not found, try pulling it first"')
  })

  it('returns embeddings from /api/embed', async () => {
    const client = await createLlmClient({ lmStudioUrl: downUrl, ollamaUrl: server.url })
    const model = await client.resolveModel(undefined, 'embeddings')
    const vectors = await client.embed(['alpha', 'beta'], { model })
    expect(vectors).toHaveLength(2)
    expect(vectors[0]).toHaveLength(8)
  })
})

describe('Ollama: unusable answers', () => {
  it.each([
    [{ answer: 'empty' }, 'answered with empty content (HTTP 200, finish reason "stop")'],
    [{ answer: 'non-json' }, 'did not answer with JSON'],
    [{ answer: 'length' }, 'stopped at the token limit'],
    [{ answer: 'error-200' }, 'answered HTTP 200 with an error'],
  ] as [FakeOllamaOptions, string][])('%o is LLM_002', async (options, message) => {
    const server = await ollama(options)
    const client = await createLlmClient({ lmStudioUrl: undefined, ollamaUrl: server.url })
    const e = await rejection(translate(client))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain(message)
    expect(e.message).toContain(`Ollama at ${server.url}, model "qwen2.5:7b"`)
  })

  it('fails with LLM_001 when loading the model outlasts the deadline', async () => {
    const server = await ollama({ models: [{ name: 'big:latest' }], loadDelayMs: 3_000 })
    const client = new OllamaClient({
      baseUrl: server.url,
      model: 'big:latest',
      timeouts: { firstTokenMs: 300, generationMs: 200 },
    })
    const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
    expect(e.code).toBe('LLM_001')
    expect(e.message).toContain('sent no answer within 0.5 s (first-token deadline)')
  })
})
