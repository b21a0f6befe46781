import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { createLlmClient } from '../../../src/providers/llm/create.js'
import { parseLlmInputs } from '../../../src/providers/llm/inputs.js'
import { assessImage } from '../../../src/quality/assess.js'
import {
  createVisionScorer,
  visionScorerFromOptions,
} from '../../../src/quality/scorers/vision-scorer.js'
import type { ScoreRequest } from '../../../src/quality/types.js'
import { QUALITY_WEIGHTS } from '../../../src/quality/types.js'
import {
  closedPortUrl,
  startFakeLmStudio,
  type FakeLlmHandle,
} from '../../fixtures/servers/fake-lmstudio/start.js'
import { startFakeOllama } from '../../fixtures/servers/fake-ollama/start.js'
import { preview } from '../../unit/quality/calibration-images.js'

/**
 * The vision-model scorer (quality interface slot `VisionScorerSlot`) against the fake LM Studio
 * and Ollama: the PNG travels as a data URL `image_url` part (Ollama: `images`), the scores are
 * the model's JSON answer, and a bad answer makes the dimensions "not measured".
 */

const PROMPT = 'a lighthouse on a rocky coast at sunset'
const REQUESTED = { width: 1024, height: 1024 }
let png: Buffer
let pngSha: string
let lmStudio: FakeLlmHandle
let broken: FakeLlmHandle
let ollama: FakeLlmHandle

beforeAll(async () => {
  png = preview(0)
  pngSha = createHash('sha256').update(png).digest('hex')
  ;[lmStudio, broken, ollama] = await Promise.all([
    startFakeLmStudio({
      rules: [
        {
          schema: 'image_scores',
          contains: 'lighthouse',
          content: { alignment: 0.8, aesthetic: 0.65 },
        },
      ],
    }),
    startFakeLmStudio({
      rules: [{ schema: 'image_scores', content: { alignment: 8, aesthetic: 6 } }],
    }),
    startFakeOllama({
      rules: [{ schema: '*', contains: 'lighthouse', content: { alignment: 0.7, aesthetic: 0.5 } }],
    }),
  ])
})
afterAll(async () => {
  await Promise.all([lmStudio?.stop(), broken?.stop(), ollama?.stop()])
})

function request(signal = new AbortController().signal): ScoreRequest {
  return { png, prompt: PROMPT, signal }
}

describe('vision scorer on LM Studio', () => {
  it('sends the image as a data URL to the first vision model and returns its scores', async () => {
    const logger = new MemoryLogger()
    const scorer = await visionScorerFromOptions(
      parseLlmInputs({ 'llm-url': lmStudio.url, 'ollama-url': 'none' }),
      { logger },
    )
    expect(scorer.kind).toBe('vision')
    expect(scorer.model).toBe('qwen2.5-vl-7b-instruct')
    const result = await scorer.score(request())
    expect(result).toEqual({
      alignment: 0.8,
      aesthetic: 0.65,
      source: `lmstudio:qwen2.5-vl-7b-instruct at ${lmStudio.url}`,
    })
    const sent = (await lmStudio.requests()).filter((r) => r.path === '/v1/chat/completions').at(-1)
    expect(sent?.body).toMatchObject({
      model: 'qwen2.5-vl-7b-instruct',
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'image_scores',
          schema: {
            properties: {
              alignment: { type: 'number', minimum: 0, maximum: 1 },
              aesthetic: { type: 'number', minimum: 0, maximum: 1 },
            },
            required: ['alignment', 'aesthetic'],
          },
        },
      },
      messages: [
        { role: 'system' },
        {
          role: 'user',
          content: [
            { type: 'text', text: `Prompt: ${PROMPT}` },
            {
              type: 'image_url',
              image_url: { url: { image: { sha256: pngSha, bytes: png.length } } },
            },
          ],
        },
      ],
    })
  })

  it('feeds alignment and aesthetics into the overall score through assessImage', async () => {
    const scorer = createVisionScorer({
      baseUrl: `${lmStudio.url}/v1`,
      model: 'qwen2.5-vl-7b-instruct',
    })
    const quality = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUESTED,
      scorers: [scorer],
    })
    expect(quality.dimensions.alignment).toEqual({
      score: 0.8,
      reason: null,
      source: `lmstudio:qwen2.5-vl-7b-instruct at ${lmStudio.url}`,
    })
    expect(quality.dimensions.aesthetic.score).toBe(0.65)
    expect(quality.appliedWeights.alignment).toBe(QUALITY_WEIGHTS.alignment)
  })

  it('rejects scores outside 0–1 with GEN_001, reported as not measured', async () => {
    const scorer = createVisionScorer({ baseUrl: broken.url, model: 'qwen2.5-vl-7b-instruct' })
    let error: unknown
    try {
      await scorer.score(request())
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('GEN_001')
    expect((error as KamuiError).message).toContain('alignment: Too big: expected number to be <=1')
    const logger = new MemoryLogger()
    const quality = await assessImage(png, {
      prompt: PROMPT,
      requested: REQUESTED,
      scorers: [scorer],
      logger,
    })
    expect(quality.dimensions.alignment.score).toBeNull()
    expect(quality.dimensions.alignment.reason).toContain('GEN_001')
    expect(quality.appliedWeights.alignment).toBe(0)
  })

  it('names the vision model that is missing (LLM_003) and honours the caller signal', async () => {
    await expect(
      visionScorerFromOptions(
        parseLlmInputs({
          'llm-url': lmStudio.url,
          'ollama-url': 'none',
          'vision-model': 'llava-x',
        }),
      ),
    ).rejects.toThrow(/^LLM_003: Model "llava-x" is not available on LM Studio/)
    const scorer = createVisionScorer({ baseUrl: lmStudio.url, model: 'qwen2.5-vl-7b-instruct' })
    const controller = new AbortController()
    controller.abort()
    await expect(scorer.score(request(controller.signal))).rejects.toThrow(/^RUN_001/)
  })
})

describe('vision scorer on the Ollama fallback', () => {
  it('sends the image as base64 in images and reads the scores', async () => {
    const options = parseLlmInputs({
      'llm-url': await closedPortUrl(),
      'ollama-url': ollama.url,
      'vision-model': 'llava:7b',
    })
    const client = await createLlmClient({
      lmStudioUrl: options.lmStudioUrl,
      ollamaUrl: options.ollamaUrl,
    })
    const scorer = await visionScorerFromOptions(options, { client })
    expect(scorer.model).toBe('llava:7b')
    const result = await scorer.score(request())
    expect(result).toEqual({
      alignment: 0.7,
      aesthetic: 0.5,
      source: `ollama:llava:7b at ${ollama.url}`,
    })
    const sent = (await ollama.requests()).filter((r) => r.path === '/api/chat').at(-1)
    expect(sent?.body).toMatchObject({
      model: 'llava:7b',
      stream: false,
      messages: [
        { role: 'system' },
        { role: 'user', content: `Prompt: ${PROMPT}`, images: [{ image: { sha256: pngSha } }] },
      ],
    })
  })
})
