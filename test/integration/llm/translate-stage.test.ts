import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { KamuiError } from '../../../src/core/errors.js'
import { parseV2Inputs } from '../../../src/stages/image-generation/inputs.js'
import { runImageGeneration } from '../../../src/stages/image-generation/run.js'
import {
  closedPortUrl,
  startFakeLmStudio,
  type FakeLlmHandle,
} from '../../fixtures/servers/fake-lmstudio/start.js'
import { startFakeOllama } from '../../fixtures/servers/fake-ollama/start.js'
import { startFakeKamui, type FakeKamuiHandle } from '../../fixtures/servers/start-fake-kamui.js'
import { testContext } from '../../helpers/stage-context.js'
import { tempWorkspace } from '../../helpers/workspace.js'

/**
 * Stage level: `translate-prompt: auto` in image-generation-v2 against the fake KamuiCode
 * server (whose stats file records the arguments every tool received) and the fake LM Studio
 * and Ollama processes. The image model must receive the English prompt; the report must keep
 * the Japanese original, the translation and which LLM made it.
 */

const JAPANESE = '崖の上の灯台、夕焼け、油絵風'
const ENGLISH = 'A lighthouse on a cliff at sunset, oil painting style'
const RULES = [
  { contains: '灯台', content: { source_language: 'ja', english: ENGLISH } },
  { schema: 'image_scores', content: { alignment: 0.9, aesthetic: 0.75 } },
]

interface Report {
  request: { prompt: string }
  notices: string[]
  images: { quality: { alignment: { score: number | null; source: string | null } } | null }[]
  prompt_preparation: Record<string, unknown>
}

describe('prompt translation in the image stage', () => {
  let kamui: FakeKamuiHandle
  let lmStudio: FakeLlmHandle
  let ollama: FakeLlmHandle
  let downUrl: string
  beforeAll(async () => {
    ;[kamui, lmStudio, ollama, downUrl] = await Promise.all([
      startFakeKamui({ latencyMs: 50, longSide: 256, models: ['imagen4_fast'] }),
      startFakeLmStudio({ rules: RULES }),
      startFakeOllama({ rules: RULES.map((r) => ({ ...r, schema: '*' })) }),
      closedPortUrl(),
    ])
  })
  afterAll(async () => {
    await Promise.all([kamui?.stop(), lmStudio?.stop(), ollama?.stop()])
  })

  async function run(folder: string, prompt: string, extra: Record<string, string>) {
    const workspace = await tempWorkspace()
    const before = (await kamui.calls()).length
    const result = await runImageGeneration(
      parseV2Inputs({
        'image-prompt': prompt,
        'folder-name': folder,
        'mcp-config': JSON.stringify({ mcpServers: { kamui: kamui.entry() } }),
        models: 'imagen4-fast',
        'image-size': '256x256',
        seed: '3',
        ...extra,
      }),
      testContext(workspace),
    )
    const report = JSON.parse(
      await readFile(path.join(workspace, folder, 'metadata/generation-report.json'), 'utf8'),
    ) as Report
    const submits = (await kamui.calls())
      .slice(before)
      .filter((c) => c.tool === 'imagen4_fast_submit')
    return { result, report, submits }
  }

  it('sends a Japanese prompt to the image model in English and keeps both in the report', async () => {
    const { report, submits } = await run('out/ja', JAPANESE, {
      'translate-prompt': 'auto',
      'llm-url': lmStudio.url,
      'ollama-url': 'none',
    })
    expect(submits.length).toBeGreaterThan(0)
    for (const submit of submits) expect(submit.args['prompt']).toBe(ENGLISH)
    expect(report.request.prompt).toBe(JAPANESE)
    expect(report.prompt_preparation).toMatchObject({
      original: JAPANESE,
      sent_to_model: ENGLISH,
      translation: {
        mode: 'auto',
        detected_language: 'ja',
        translated: ENGLISH,
        translated_by: 'lmstudio:qwen2.5-7b-instruct',
        skipped: null,
      },
      llm: { provider: 'lmstudio', server: lmStudio.url, fallback_from: null },
    })
  })

  it('uses the Ollama fallback when LM Studio is down, and the report says so', async () => {
    const { report, submits } = await run('out/ja-ollama', JAPANESE, {
      'translate-prompt': 'auto',
      'llm-url': downUrl,
      'ollama-url': ollama.url,
    })
    for (const submit of submits) expect(submit.args['prompt']).toBe(ENGLISH)
    expect(report.prompt_preparation).toMatchObject({
      translation: { translated: ENGLISH, translated_by: 'ollama:qwen2.5:7b' },
      llm: {
        provider: 'ollama',
        server: ollama.url,
        fallback_from: { provider: 'lmstudio', server: downUrl, reason: 'connection refused' },
      },
    })
  })

  it('leaves an English prompt alone without any LLM running', async () => {
    const { report, submits } = await run('out/en', ENGLISH, {
      'translate-prompt': 'auto',
      'llm-url': downUrl,
      'ollama-url': downUrl,
    })
    for (const submit of submits) expect(submit.args['prompt']).toBe(ENGLISH)
    expect(report.prompt_preparation).toMatchObject({
      sent_to_model: ENGLISH,
      translation: { translated: null, detected_language: 'en' },
      llm: null,
    })
  })

  it('fails with LLM_001 before any image is requested when no LLM answers', async () => {
    const before = (await kamui.calls()).length
    const error = await run('out/ja-down', JAPANESE, {
      'translate-prompt': 'auto',
      'llm-url': downUrl,
      'ollama-url': downUrl,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(KamuiError)
    expect((error as KamuiError).code).toBe('LLM_001')
    expect((await kamui.calls()).length).toBe(before)
  })

  it('scores with the vision model for quality-scorer: vision', async () => {
    const { report } = await run('out/vision', ENGLISH, {
      'quality-scorer': 'vision',
      'llm-url': lmStudio.url,
      'ollama-url': 'none',
    })
    expect(report.images[0]?.quality?.alignment).toMatchObject({
      score: 0.9,
      source: `lmstudio:qwen2.5-vl-7b-instruct at ${lmStudio.url}`,
    })
  })
})
