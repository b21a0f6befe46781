import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { createLlmClient } from '../../../src/providers/llm/create.js'
import { parseLlmInputs } from '../../../src/providers/llm/inputs.js'
import { preparePrompt } from '../../../src/providers/llm/prepare-prompt.js'
import { PromptPreparationSchema } from '../../../src/contracts/prompt-preparation.js'
import { translatePrompt } from '../../../src/providers/llm/translate.js'
import type { LlmClient } from '../../../src/providers/llm/types.js'
import {
  closedPortUrl,
  startFakeLmStudio,
  type FakeLlmHandle,
  type FakeRule,
} from '../../fixtures/servers/fake-lmstudio/start.js'
import { startFakeOllama } from '../../fixtures/servers/fake-ollama/start.js'

/**
 * translate-prompt and enhance-prompt against the fake LM Studio and Ollama processes: which
 * prompts reach the LLM, what comes back, and the report record.
 */

const JAPANESE = '崖の上の灯台、夕焼け、油絵風'
const ENGLISH = 'A lighthouse on a cliff at sunset, oil painting style'
const ENHANCED =
  'A lone white lighthouse on a rugged cliff at golden-hour sunset, warm orange sky, thick ' +
  'impasto oil painting brushwork, wide shot'
const RULES: FakeRule[] = [
  {
    contains: '灯台',
    schema: 'prompt_translation',
    content: { source_language: 'ja', english: ENGLISH },
  },
  {
    contains: 'still japanese',
    schema: 'prompt_translation',
    content: { source_language: 'ja', english: '灯台と夕焼け' },
  },
  {
    contains: 'lighthouse',
    schema: 'prompt_translation',
    content: { source_language: 'en', english: ENGLISH },
  },
  { contains: 'lighthouse', schema: 'image_prompt', content: { prompt: ENHANCED } },
]

let lmStudio: FakeLlmHandle
let ollama: FakeLlmHandle
let downUrl: string
beforeAll(async () => {
  ;[lmStudio, ollama, downUrl] = await Promise.all([
    startFakeLmStudio({ rules: RULES }),
    startFakeOllama({
      rules: RULES.filter((r) => r.schema !== 'image_prompt').map((r) => ({ ...r, schema: '*' })),
    }),
    closedPortUrl(),
  ])
})
afterAll(async () => {
  await Promise.all([lmStudio?.stop(), ollama?.stop()])
})

async function chatRequests(server: FakeLlmHandle) {
  return (await server.requests()).filter(
    (r) => r.path === '/v1/chat/completions' || r.path === '/api/chat',
  )
}

describe('translatePrompt', () => {
  it('auto: translates a Japanese prompt and reports the language and the model', async () => {
    const client = await createLlmClient({ lmStudioUrl: lmStudio.url, ollamaUrl: undefined })
    const before = (await chatRequests(lmStudio)).length
    const result = await translatePrompt(JAPANESE, client, { mode: 'auto' })
    expect(result).toMatchObject({
      original: JAPANESE,
      translated: ENGLISH,
      translatedBy: 'lmstudio:qwen2.5-7b-instruct',
      provider: 'lmstudio',
      detectedLanguage: 'ja',
      skipped: null,
    })
    expect(result.detection.english).toBe(false)
    const sent = (await chatRequests(lmStudio)).slice(before)
    expect(sent).toHaveLength(1)
    const body = sent[0]?.body as {
      messages: { role: string; content: string }[]
      temperature: number
    }
    expect(body.messages[1]).toEqual({ role: 'user', content: JAPANESE })
    expect(body.messages[0]?.content).toContain(
      'translate prompts for a text-to-image model into English',
    )
    expect(body.temperature).toBe(0)
  })

  it('auto: leaves an English prompt alone without contacting any LLM', async () => {
    let connected = false
    const result = await translatePrompt(
      ENGLISH,
      async () => {
        connected = true
        throw new Error('must not connect')
      },
      { mode: 'auto' },
    )
    expect(connected).toBe(false)
    expect(result.translated).toBeNull()
    expect(result.detectedLanguage).toBe('en')
    expect(result.skipped).toMatch(/^taken as English by the heuristic \(letter scripts\): 0% of/)
  })

  it('off: never contacts the LLM, even for Japanese', async () => {
    const result = await translatePrompt(JAPANESE, () => Promise.reject(new Error('no')), {
      mode: 'off',
    })
    expect(result).toMatchObject({
      translated: null,
      skipped: 'translate-prompt is off',
      detectedLanguage: 'ja',
    })
  })

  it('always: sends English prompts too', async () => {
    const client = await createLlmClient({ lmStudioUrl: lmStudio.url, ollamaUrl: undefined })
    const result = await translatePrompt('a lighthouse', client, { mode: 'always' })
    expect(result.translated).toBe(ENGLISH)
    expect(result.detectedLanguage).toBe('en')
  })

  it('rejects an answer that is still not English (LLM_002)', async () => {
    const client = await createLlmClient({ lmStudioUrl: lmStudio.url, ollamaUrl: undefined })
    let error: unknown
    try {
      await translatePrompt('still japanese: 夕焼けの海', client, { mode: 'always' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('LLM_002')
    expect((error as KamuiError).message).toContain('did not translate the prompt into English')
  })
})

describe('preparePrompt', () => {
  it('translates, then enhances the translation, and keeps everything in the record', async () => {
    const options = parseLlmInputs({
      'translate-prompt': 'auto',
      'enhance-prompt': 'true',
      'llm-url': lmStudio.url,
      'ollama-url': 'none',
    })
    const logger = new MemoryLogger()
    const prepared = await preparePrompt(JAPANESE, options, { logger })
    expect(prepared).toMatchObject({
      prompt: ENHANCED,
      original: JAPANESE,
      translated: ENGLISH,
      enhanced: ENHANCED,
      llmProvider: 'lmstudio',
    })
    const record = PromptPreparationSchema.parse(prepared.record)
    expect(record).toEqual({
      original: JAPANESE,
      sent_to_model: ENHANCED,
      translation: {
        mode: 'auto',
        detected_language: 'ja',
        detection: expect.stringMatching(
          /^heuristic \(letter scripts\): 100% of 12 letters are not Latin/,
        ),
        translated: ENGLISH,
        translated_by: 'lmstudio:qwen2.5-7b-instruct',
        skipped: null,
      },
      enhancement: {
        input: ENGLISH,
        enhanced: ENHANCED,
        enhanced_by: 'lmstudio:qwen2.5-7b-instruct',
      },
      llm: {
        provider: 'lmstudio',
        server: lmStudio.url,
        model: 'qwen2.5-7b-instruct',
        fallback_from: null,
      },
    })
  })

  it('records the Ollama fallback when LM Studio is down', async () => {
    const options = parseLlmInputs({
      'translate-prompt': 'auto',
      'llm-url': downUrl,
      'ollama-url': ollama.url,
    })
    const prepared = await preparePrompt(JAPANESE, options)
    expect(prepared.prompt).toBe(ENGLISH)
    expect(prepared.llmProvider).toBe('ollama')
    expect(prepared.record.translation.translated_by).toBe('ollama:qwen2.5:7b')
    expect(prepared.record.llm).toEqual({
      provider: 'ollama',
      server: ollama.url,
      model: 'qwen2.5:7b',
      fallback_from: { provider: 'lmstudio', server: downUrl, reason: 'connection refused' },
    })
  })

  it('connects nothing for an English prompt in auto mode', async () => {
    let calls = 0
    const prepared = await preparePrompt(ENGLISH, parseLlmInputs({ 'translate-prompt': 'auto' }), {
      createClient: async () => {
        calls += 1
        return {} as LlmClient
      },
    })
    expect(calls).toBe(0)
    expect(prepared).toEqual({
      prompt: ENGLISH,
      original: ENGLISH,
      record: expect.objectContaining({ sent_to_model: ENGLISH, llm: null, enhancement: null }),
    })
  })

  it('fails with LLM_001 for a Japanese prompt when no LLM answers', async () => {
    const options = parseLlmInputs({
      'translate-prompt': 'auto',
      'llm-url': downUrl,
      'ollama-url': downUrl,
    })
    await expect(preparePrompt(JAPANESE, options)).rejects.toThrow(
      /^LLM_001: No local LLM server answered/,
    )
  })
})
