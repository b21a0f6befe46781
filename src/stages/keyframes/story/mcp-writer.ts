import { KamuiError } from '../../../core/errors.js'
import type { Logger } from '../../../core/logger.js'
import type { McpCall, ModelEntry } from '../../../models/types.js'
import type { JobOutput, ModelJobRunner } from '../../../providers/kinds/job.js'
import { answerJson } from '../../../providers/mcp/text-answer.js'
import { registryCost } from '../costs.js'
import type { Story, StoryboardSegmentInput } from '../storyboard.js'
import {
  storiesJsonSchema,
  storiesMessages,
  storyboardJsonSchema,
  storyboardMessages,
  validateStories,
  validateStoryboard,
} from './prompts.js'
import type {
  LlmJsonSchema,
  LlmMessage,
  StoryboardRequest,
  StoryRequest,
  StoryWriter,
  WriterCall,
} from './types.js'

/**
 * Stories and storyboards written by an MCP tool of the model registry, called as text jobs of
 * the run's job runner (the image-guided
 * pipeline's `generate_stories` tool; any tool that answers JSON as text or
 * `structuredContent`). The tool receives, of these, the arguments its input schema declares:
 * `prompt` (the instructions as one text), `messages` (the chat messages), `json_schema` and
 * `response_format` (the schema to answer with), `concept`, `count` / `story_count`,
 * `segment_count`, `story` (the chosen story, JSON), plus the entry's `arguments`.
 */
export class McpStoryWriter implements StoryWriter {
  readonly preview = false
  readonly label: string
  readonly cacheIdentity: string

  constructor(
    private readonly entry: ModelEntry,
    private readonly runner: ModelJobRunner,
    private readonly options: { logger: Logger; pollIntervalMs?: number },
  ) {
    if (!entry.call) throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call.`)
    this.label = entry.alias
    this.cacheIdentity = `mcp:${entry.alias}:${JSON.stringify(entry.call)}:${JSON.stringify(entry.arguments)}`
  }

  async writeStories(request: StoryRequest, signal: AbortSignal): Promise<WriterCall<Story[]>> {
    const answer = await this.call(
      storiesJsonSchema(request.count),
      storiesMessages(request),
      signal,
      {
        concept: request.concept,
        count: request.count,
        story_count: request.count,
      },
    )
    return this.result(
      answer,
      validateStories(answerJson(answer), this.describe(answer), 'GEN_001'),
    )
  }

  async writeStoryboard(
    request: StoryboardRequest,
    signal: AbortSignal,
  ): Promise<WriterCall<StoryboardSegmentInput[]>> {
    const answer = await this.call(
      storyboardJsonSchema(request.segmentCount),
      storyboardMessages(request),
      signal,
      {
        concept: request.concept,
        story: JSON.stringify(request.story),
        segment_count: request.segmentCount,
      },
    )
    const segments = validateStoryboard(
      answerJson(answer),
      request.segmentCount,
      this.describe(answer),
      'GEN_001',
    )
    return this.result(answer, segments)
  }

  private call(
    schema: LlmJsonSchema,
    messages: LlmMessage[],
    signal: AbortSignal,
    extra: Record<string, unknown>,
  ): Promise<JobOutput> {
    const pollIntervalMs = this.options.pollIntervalMs ?? this.entry.pollIntervalMs
    return this.runner.run(
      {
        provider: 'mcp',
        label: this.label,
        call: this.entry.call as McpCall,
        args: {
          prompt:
            messages.map((m) => m.content).join('\n\n') +
            `\n\nJSON schema: ${JSON.stringify(schema.schema)}`,
          messages,
          json_schema: schema.schema,
          response_format: { type: 'json_schema', json_schema: schema },
          ...extra,
          ...this.entry.arguments,
        },
        hints: this.entry.serverHints ?? [],
        ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
        answer: 'text',
      },
      { signal, logger: this.options.logger },
    )
  }

  private describe(answer: JobOutput): string {
    return `tool "${answer.handle.tools[0]}" on MCP server "${answer.handle.server}"`
  }

  private result<T>(answer: JobOutput, value: T): WriterCall<T> {
    return {
      value,
      model: {
        alias: this.entry.alias,
        provider: 'mcp',
        server: answer.handle.server,
        tool: answer.handle.tools[0] ?? null,
        workflow: null,
      },
      generationMs: answer.generationMs,
      cost: registryCost('story-generation', this.entry),
    }
  }
}
