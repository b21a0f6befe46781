import { z } from 'zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { createLlmClient } from '../../../src/providers/llm/create.js'
import { LmStudioClient } from '../../../src/providers/llm/lmstudio.js'
import type { LlmClient } from '../../../src/providers/llm/types.js'
import {
  startFakeLmStudio,
  type FakeLlmHandle,
  type FakeLmStudioOptions,
} from '../../fixtures/servers/fake-lmstudio/start.js'

/**
 * The LM Studio client against the fake LM Studio process (test/fixtures/servers/fake-lmstudio),
 * which answers as the LM Studio docs describe, with knobs for each documented failure.
 */

const Translation = z.object({
  source_language: z.string().regex(/^[a-z]{2,3}$/),
  english: z.string().min(1),
})
const Scores = z.object({ alignment: z.number().min(0).max(1) })
const NONE = undefined

const fakes: FakeLlmHandle[] = []
async function fake(options: FakeLmStudioOptions = {}): Promise<FakeLlmHandle> {
  const handle = await startFakeLmStudio(options)
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

function translate(client: LlmClient, prompt = '崖の上の灯台', signal?: AbortSignal) {
  return client.chatStructured({
    schema: Translation,
    schemaName: 'prompt_translation',
    messages: [
      { role: 'system', content: 'Translate into English.' },
      { role: 'user', content: prompt },
    ],
    ...(signal ? { signal } : {}),
  })
}

describe('LM Studio client: health check, models, structured output', () => {
  let server: FakeLlmHandle
  beforeAll(async () => {
    server = await fake({
      rules: [
        {
          contains: '灯台',
          content: { source_language: 'ja', english: 'A lighthouse on a cliff' },
        },
        { contains: 'out of range', content: { alignment: 7 } },
      ],
    })
  })

  it('connects, lists models with type and state, and picks the loaded chat model', async () => {
    const logger = new MemoryLogger()
    const client = await createLlmClient({
      lmStudioUrl: `${server.url}/v1`,
      ollamaUrl: NONE,
      logger,
    })
    expect(client.provider).toBe('lmstudio')
    expect(client.baseUrl).toBe(server.url)
    expect(client.model).toBe('qwen2.5-7b-instruct')
    expect(client.fallbackFrom).toBeNull()
    expect(await client.listModels()).toEqual([
      { id: 'qwen2.5-7b-instruct', type: 'llm', state: 'loaded' },
      { id: 'qwen2.5-vl-7b-instruct', type: 'vlm', state: 'not-loaded' },
      { id: 'text-embedding-nomic-embed-text-v1.5', type: 'embeddings', state: 'not-loaded' },
    ])
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: `Local LLM: LM Studio at ${server.url}, model "qwen2.5-7b-instruct".`,
    })
  })

  it('sends the zod schema as response_format json_schema (strict) and validates the answer', async () => {
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const answer = await translate(client)
    expect(answer.value).toEqual({ source_language: 'ja', english: 'A lighthouse on a cliff' })
    expect(answer.provider).toBe('lmstudio')
    expect(answer.model).toBe('qwen2.5-7b-instruct')
    expect(answer.finishReason).toBe('stop')
    const sent = (await server.requests()).filter((r) => r.path === '/v1/chat/completions').at(-1)
    expect(sent?.body).toMatchObject({
      model: 'qwen2.5-7b-instruct',
      stream: true,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'prompt_translation',
          strict: true,
          schema: {
            type: 'object',
            properties: {
              source_language: { type: 'string', pattern: '^[a-z]{2,3}$' },
              english: { type: 'string', minLength: 1 },
            },
            required: ['source_language', 'english'],
            additionalProperties: false,
          },
        },
      },
    })
  })

  it('rejects JSON that the grammar allowed but the zod schema does not (LLM_002)', async () => {
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const e = await rejection(
      client.chatStructured({
        schema: Scores,
        schemaName: 'scores',
        messages: [{ role: 'user', content: 'score out of range' }],
      }),
    )
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain('does not match the requested schema (alignment: Too big')
    expect(e.message).toContain('{"alignment":7}')
  })

  it('returns plain chat text and embeddings in input order', async () => {
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const text = await client.chat({ messages: [{ role: 'user', content: 'hello' }] })
    expect(text.content).toBe('fake answer to: hello')
    const model = await client.resolveModel(undefined, 'embeddings')
    expect(model).toBe('text-embedding-nomic-embed-text-v1.5')
    const vectors = await client.embed(['alpha', 'beta'], { model })
    expect(vectors).toHaveLength(2)
    expect(vectors[0]).toHaveLength(8)
    expect(vectors[0]).not.toEqual(vectors[1])
    expect(await client.embed(['beta'], { model })).toEqual([vectors[1]])
    const e = await rejection(client.embed(['x']))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain('HTTP 400')
    expect(e.message).toContain('is not an embedding model')
  })

  it('refuses a caller that aborts with the caller reason', async () => {
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const controller = new AbortController()
    controller.abort()
    const e = await rejection(translate(client, '崖の上の灯台', controller.signal))
    expect(e.code).toBe('RUN_001')
  })
})

describe('LM Studio client: a wrong model id', () => {
  it('fails before any chat request with LLM_003 listing the available models', async () => {
    const server = await fake()
    const e = await rejection(
      createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE, model: 'gpt-4o' }),
    )
    expect(e.code).toBe('LLM_003')
    expect(e.message).toBe(
      `LLM_003: Model "gpt-4o" is not available on LM Studio at ${server.url}. Available models: ` +
        'qwen2.5-7b-instruct (llm, loaded), qwen2.5-vl-7b-instruct (vlm, not-loaded), ' +
        'text-embedding-nomic-embed-text-v1.5 (embeddings, not-loaded). Set llm-model to one of ' +
        'them, or download it in LM Studio (lms get gpt-4o).',
    )
    expect((await server.requests()).some((r) => r.path === '/v1/chat/completions')).toBe(false)
  })

  it('catches the id even where LM Studio would silently use its only loaded model (#619)', async () => {
    const server = await fake({ singleModelIgnoresId: true })
    const e = await rejection(
      createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE, model: 'qwen2.5-7b' }),
    )
    expect(e.code).toBe('LLM_003')
    // Without the check the server answers from another model; the client says so.
    const logger = new MemoryLogger()
    const direct = new LmStudioClient({ baseUrl: server.url, model: 'qwen2.5-7b', logger })
    const answer = await direct.chat({ messages: [{ role: 'user', content: 'hi' }] })
    expect(answer.model).toBe('qwen2.5-7b-instruct')
    expect(logger.lines.map((l) => l.message).join('\n')).toContain(
      'the answer came from model "qwen2.5-7b-instruct" (LM Studio ignores the model field when ' +
        'exactly one model is loaded, bug-tracker #619)',
    )
  })

  it.each([
    ['object', 400],
    ['string', 404],
  ] as const)(
    'maps the server-side %s-style unknown-model error (HTTP %i) to LLM_003',
    async (style, status) => {
      const server = await fake({ errorStyle: style })
      const client = new LmStudioClient({ baseUrl: server.url, model: 'gpt-4o' })
      const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
      expect(e.code).toBe('LLM_003')
      expect(e.message).toContain(
        `the server answered HTTP ${status} "Invalid model identifier "gpt-4o".`,
      )
      expect(e.message).toContain('Available models: qwen2.5-7b-instruct (llm, loaded)')
      expect(e.message).toContain('Set llm-model to one of the available models.')
    },
  )

  it('explains "No models loaded" (just-in-time loading off) as LLM_003', async () => {
    const server = await fake({
      jit: false,
      models: [{ id: 'qwen2.5-7b-instruct', type: 'llm', state: 'not-loaded' }],
    })
    const client = new LmStudioClient({ baseUrl: server.url, model: 'qwen2.5-7b-instruct' })
    const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
    expect(e.code).toBe('LLM_003')
    expect(e.message).toContain('HTTP 404 "No models loaded.')
    expect(e.message).toContain('Load a model (lms load <id>) or turn on just-in-time loading')
  })
})

describe('LM Studio client: unusable answers', () => {
  it.each([
    [{ answer: 'empty' }, 'answered with empty content (HTTP 200, finish reason "stop")'],
    [{ answer: 'empty', noStream: true }, 'answered with empty content (HTTP 200'],
    [{ answer: 'non-json' }, 'did not answer with JSON'],
    [
      { answer: 'error-200' },
      'answered HTTP 200 with an error: Trying to keep the first 5120 tokens',
    ],
    [{ answer: 'midstream-error' }, 'answered HTTP 200 with an error: Trying to keep the first'],
    [{ answer: 'length' }, 'stopped at the token limit (finish reason "length")'],
  ] as [FakeLmStudioOptions, string][])('%o is LLM_002', async (options, message) => {
    const server = await fake({
      ...options,
      rules: [{ contains: '灯台', content: { source_language: 'ja', english: 'A lighthouse' } }],
    })
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const e = await rejection(translate(client))
    expect(e.code).toBe('LLM_002')
    expect(e.message).toContain(message)
    expect(e.message).toContain(`LM Studio at ${server.url}, model "qwen2.5-7b-instruct"`)
  })

  it('reads a server that ignores stream: true and answers one body', async () => {
    const server = await fake({
      noStream: true,
      rules: [{ contains: '灯台', content: { source_language: 'ja', english: 'A lighthouse' } }],
    })
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    const answer = await translate(client)
    expect(answer.value.english).toBe('A lighthouse')
    expect(answer.usage.completionTokens).toBeGreaterThan(0)
  })

  it('reads the model list of LM Studio before 0.3.6 from /v1/models', async () => {
    const server = await fake({ legacyApi: true })
    const client = await createLlmClient({ lmStudioUrl: server.url, ollamaUrl: NONE })
    expect(await client.listModels()).toEqual([
      { id: 'qwen2.5-7b-instruct', type: 'unknown', state: 'unknown' },
      { id: 'qwen2.5-vl-7b-instruct', type: 'unknown', state: 'unknown' },
      { id: 'text-embedding-nomic-embed-text-v1.5', type: 'unknown', state: 'unknown' },
    ])
    expect(client.model).toBe('qwen2.5-7b-instruct')
  })
})

describe('LM Studio client: deadlines and just-in-time loading', () => {
  const JIT_MODELS = [{ id: 'big-model', type: 'llm', state: 'not-loaded' }] as const

  it('waits through a just-in-time load within the first-token deadline', async () => {
    const server = await fake({ models: [...JIT_MODELS], loadDelayMs: 800 })
    const client = await createLlmClient({
      lmStudioUrl: server.url,
      ollamaUrl: NONE,
      timeouts: { firstTokenMs: 5_000, idleMs: 300 },
    })
    expect(client.model).toBe('big-model')
    const answer = await client.chat({ messages: [{ role: 'user', content: 'hi' }] })
    expect(answer.firstTokenMs).toBeGreaterThanOrEqual(750)
    expect(answer.content).toBe('fake answer to: hi')
  })

  it('fails with LLM_001 naming the first-token deadline when the load takes longer', async () => {
    const server = await fake({ models: [...JIT_MODELS], loadDelayMs: 3_000 })
    const client = new LmStudioClient({
      baseUrl: server.url,
      model: 'big-model',
      timeouts: { firstTokenMs: 400 },
    })
    const started = Date.now()
    const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
    expect(Date.now() - started).toBeLessThan(2_500)
    expect(e.code).toBe('LLM_001')
    expect(e.message).toContain('sent no answer within 0.4 s (first-token deadline)')
    expect(e.message).toContain('A model loaded just in time can take minutes')
  })

  it('fails with LLM_001 when the stream stalls longer than the idle deadline', async () => {
    const server = await fake({ tokenDelayMs: 600 })
    const client = new LmStudioClient({
      baseUrl: server.url,
      model: 'qwen2.5-7b-instruct',
      timeouts: { firstTokenMs: 5_000, idleMs: 200 },
    })
    const e = await rejection(client.chat({ messages: [{ role: 'user', content: 'hi' }] }))
    expect(e.code).toBe('LLM_001')
    expect(e.message).toContain('stopped sending tokens for 0.2 s')
  })
})
