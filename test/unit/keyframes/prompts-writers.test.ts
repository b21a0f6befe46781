import { describe, expect, it } from 'vitest'
import { isKamuiError } from '../../../src/core/errors.js'
import { MemoryLogger } from '../../../src/core/logger.js'
import { McpPool } from '../../../src/providers/mcp/pool.js'
import { Redactor } from '../../../src/core/redactor.js'
import { ModelEntrySchema } from '../../../src/models/types.js'
import { ModelEnhancer } from '../../../src/stages/keyframes/enhancer/model-enhancer.js'
import { buildEnhancerPrompt, buildRenderPrompt } from '../../../src/stages/keyframes/prompts.js'
import { ModelStoryWriter } from '../../../src/stages/keyframes/story/model-writer.js'
import { PreviewStoryWriter } from '../../../src/stages/keyframes/story/preview-writer.js'
import { LlmTextProvider } from '../../../src/providers/text/llm-text.js'
import { McpTextProvider } from '../../../src/providers/text/mcp-text.js'
import type {
  TextMessage as LlmMessage,
  TextSchema as LlmJsonSchema,
} from '../../../src/providers/text/provider.js'
import { labelSegments, type Storyboard } from '../../../src/stages/keyframes/storyboard.js'
import { parseJsonLoose } from '../../../src/providers/mcp/text-answer.js'
import { JobRunner } from '../../../src/runner/job-runner.js'
import { fakeConnect } from '../mcp/fake-servers.js'

const story = {
  title: 'Dawn',
  narrative: 'A mug at dawn.',
  tone: 'calm',
  visualStyle: 'soft light',
  keyMoments: ['steam', 'sip'],
}
const board: Storyboard = {
  source: 'file',
  concept: 'A red mug',
  story,
  segments: labelSegments([
    { type: 'hook', description: 'Steam rises.', duration: 5 },
    { type: 'body', description: 'A hand lifts the mug.', duration: 5 },
    { type: 'cta', description: 'The mug and the logo.', duration: 4 },
  ]),
}
const ctx = (index: number, kind: 'first' | 'last') => ({
  storyboard: board,
  segment: board.segments[index - 1] as Storyboard['segments'][number],
  kind,
  aspectRatio: '16:9' as const,
  width: 1280,
  height: 720,
  productImageCount: 3,
})
const signal = new AbortController().signal

describe('frame prompts', () => {
  it('a last frame describes the transition into the next segment; the CTA last frame has none', () => {
    const last = buildEnhancerPrompt(ctx(2, 'last'))
    expect(last.prompt).toContain('Next segment (CTA): The mug and the logo.')
    expect(last.prompt).toMatch(/LAST frame.*transition into the next segment \(CTA\)/s)
    expect(last.fields).toMatchObject({
      frame_type: 'last',
      segment_number: 2,
      next_segment_description: 'The mug and the logo.',
    })
    const cta = buildEnhancerPrompt(ctx(3, 'last'))
    expect(cta.prompt).toContain('Next segment: none, this is the final call to action.')
    expect(cta.prompt).toMatch(/closing end card.*there is no next segment/s)
    expect(cta.fields['next_segment_description']).toBeNull()
    const hook = buildEnhancerPrompt(ctx(1, 'first'))
    expect(hook.prompt).toContain('Previous segment: none, this segment opens the video.')
    expect(hook.prompt).toContain('Story "Dawn": A mug at dawn.')
  })

  it('depends on the segment and its neighbours only', () => {
    const changed: Storyboard = {
      ...board,
      segments: board.segments.map((s) => (s.index === 3 ? { ...s, description: 'Changed.' } : s)),
    }
    const of = (b: Storyboard, i: number) =>
      buildEnhancerPrompt({ ...ctx(i, 'last'), storyboard: b, segment: b.segments[i - 1] as never })
        .prompt
    expect(of(changed, 1)).toBe(of(board, 1))
    expect(of(changed, 2)).not.toBe(of(board, 2))
  })

  it('the render prompt names the segment, keeps the composition and asks for continuity on last frames', () => {
    const prompt = buildRenderPrompt(ctx(2, 'last'), 'COMPOSITION TEXT')
    expect(prompt.split('\n')[0]).toBe('Keyframe: segment 2 of 3 (Body 1), last frame.')
    expect(prompt).toContain('COMPOSITION TEXT')
    expect(prompt).toMatch(/Continuity: same scene/)
    expect(prompt).toContain('1280×720 px (16:9)')
    expect(buildRenderPrompt(ctx(1, 'first'), 'x')).not.toMatch(/Continuity/)
  })
})

describe('story writers', () => {
  it('the preview writer fills three templates, says so, and follows the key moments', async () => {
    const writer = new PreviewStoryWriter()
    const stories = await writer.writeStories({
      concept: 'A red mug',
      count: 3,
      productImageCount: 2,
    })
    expect(stories.value).toHaveLength(3)
    expect(new Set(stories.value.map((s) => s.tone)).size).toBe(3)
    for (const s of stories.value) {
      expect(s.title).toMatch(/^\[Preview\] /)
      expect(s.narrative).toMatch(/^PREVIEW: /)
    }
    expect(stories.cost).toMatchObject({ type: 'story-generation', usd: 0 })
    const segments = await writer.writeStoryboard({
      concept: 'A red mug',
      story: stories.value[0] as never,
      segmentCount: 5,
    })
    expect(segments.value.map((s) => s.type)).toEqual(['hook', 'body', 'body', 'body', 'cta'])
  })

  it('the LLM writer sends a JSON schema and validates the answer (LLM_002 when it does not match)', async () => {
    const seen: { schema: LlmJsonSchema; messages: LlmMessage[] }[] = []
    let answer: unknown = {
      stories: [story, { ...story, title: 'Noon' }, { ...story, title: 'Dusk' }],
    }
    const writer = new ModelStoryWriter(
      new LlmTextProvider({
        complete: (schema, messages) => {
          seen.push({ schema, messages })
          return Promise.resolve(answer)
        },
        model: { alias: 'qwen-test', provider: 'lmstudio', server: 'http://127.0.0.1:1234' },
      }),
      new MemoryLogger(),
    )
    const result = await writer.writeStories(
      { concept: 'A red mug', count: 3, productImageCount: 1 },
      signal,
    )
    expect(result.value.map((s) => s.title)).toEqual(['Dawn', 'Noon', 'Dusk'])
    expect(result.model).toMatchObject({ alias: 'qwen-test', provider: 'lmstudio' })
    expect(seen[0]?.schema.name).toBe('keyframe_stories')
    expect(JSON.stringify(seen[0]?.schema.schema)).toMatch(/"minItems":3/)
    expect(seen[0]?.messages[1]?.content).toContain('Concept: A red mug')

    answer = {
      segments: [
        { type: 'body', description: 'x', duration: 5 },
        { type: 'body', description: 'y', duration: 5 },
        { type: 'cta', description: 'z', duration: 4 },
      ],
    }
    const segments = await writer.writeStoryboard({ concept: 'c', story, segmentCount: 3 }, signal)
    expect(segments.value.map((s) => s.type)).toEqual(['hook', 'body', 'cta'])

    answer = { stories: [{ title: 'only a title' }] }
    const error = await writer
      .writeStories({ concept: 'c', count: 3, productImageCount: 1 }, signal)
      .catch((e: unknown) => e)
    expect(isKamuiError(error, 'LLM_002')).toBe(true)
    expect((error as Error).message).toMatch(/stories\.0\.narrative/)
  })

  it('the LLM enhancer asks for { composition } and refuses an empty one', async () => {
    let answer: unknown = {
      composition: 'A wide shot of the mug on a table at dawn, steam rising.',
    }
    const enhancer = new ModelEnhancer(
      new LlmTextProvider({
        complete: () => Promise.resolve(answer),
        model: { alias: 'm', provider: 'ollama', server: null },
      }),
      new MemoryLogger(),
    )
    const request = {
      prompt: buildEnhancerPrompt(ctx(1, 'first')),
      references: [],
      aspectRatio: '16:9' as const,
      signal,
    }
    expect((await enhancer.enhance(request)).composition).toMatch(/wide shot/)
    answer = { composition: '' }
    await expect(enhancer.enhance(request)).rejects.toThrow(/LLM_002/)
  })

  it('the MCP writer calls a registry tool with the declared arguments and reads JSON from its text', async () => {
    const { connect, record } = fakeConnect({
      stories: {
        tools: [
          {
            name: 'generate_stories',
            properties: {
              prompt: { type: 'string' },
              concept: { type: 'string' },
              count: { type: 'number' },
            },
            handler: () => ({
              content: [
                {
                  type: 'text',
                  text: `Here you go:\n\`\`\`json\n${JSON.stringify({ stories: [story] })}\n\`\`\``,
                },
              ],
            }),
          },
        ],
      },
    })
    const pool = new McpPool(
      { stories: { kind: 'stdio', command: 'x', args: [], env: {} } },
      { logger: new MemoryLogger(), redactor: new Redactor(), env: {} },
      { connect },
    )
    try {
      const entry = {
        alias: 'gpt-stories',
        ...ModelEntrySchema.parse({
          provider: 'mcp',
          call: { type: 'sync', tool: 'generate_stories' },
          priceUsd: 0.01,
        }),
      }
      const writer = new ModelStoryWriter(
        new McpTextProvider(entry, new JobRunner({ mcp: pool })),
        new MemoryLogger(),
      )
      const result = await writer.writeStories(
        { concept: 'A red mug', count: 3, productImageCount: 1 },
        signal,
      )
      expect(result.value[0]?.title).toBe('Dawn')
      expect(result.cost).toMatchObject({ usd: 0.01 })
      expect(Object.keys(record.calls[0]?.args ?? {}).sort()).toEqual([
        'concept',
        'count',
        'prompt',
      ])
    } finally {
      await pool.close()
    }
  })

  it('parseJsonLoose finds an object in prose', () => {
    expect(parseJsonLoose('x {"a": "}"} y')).toEqual({ a: '}' })
    expect(parseJsonLoose('no json')).toBeUndefined()
  })
})
