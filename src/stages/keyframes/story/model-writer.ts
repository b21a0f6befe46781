import type { TextAnswer, TextMessage, TextSchema } from '../../../providers/text/provider.js'
import { modelCost } from '../costs.js'
import type { Story, StoryboardSegmentInput } from '../storyboard.js'
import { TextModelStep } from '../text-model-step.js'
import {
  storiesJsonSchema,
  storiesMessages,
  storyboardJsonSchema,
  storyboardMessages,
  validateStories,
  validateStoryboard,
} from './prompts.js'
import type { StoryboardRequest, StoryRequest, StoryWriter, WriterCall } from './types.js'

/**
 * Stories and storyboards written by a text model of the model services: the local LLM (LM
 * Studio, or Ollama as fallback) with structured output, or an MCP tool of the model registry
 * (the image-guided pipeline's `generate_stories` tool; any tool that answers JSON as text or
 * `structuredContent`). An MCP tool receives, of these, the arguments its input schema
 * declares: `prompt` (the instructions as one text), `messages` (the chat messages),
 * `json_schema` and `response_format` (the schema to answer with), `concept`, `count` /
 * `story_count`, `segment_count`, `story` (the chosen story, JSON), plus the entry's
 * `arguments`. Answers are validated with the stage's zod schemas (the model's
 * unusable-answer code, GEN_001 or LLM_002, when they do not match).
 */
export class ModelStoryWriter extends TextModelStep implements StoryWriter {
  async writeStories(request: StoryRequest, signal: AbortSignal): Promise<WriterCall<Story[]>> {
    const answer = await this.ask(
      storiesJsonSchema(request.count),
      storiesMessages(request),
      signal,
      { concept: request.concept, count: request.count, story_count: request.count },
    )
    const stories = validateStories(answer.json, answer.source, this.text.unusableAnswerCode)
    return this.result(answer, stories)
  }

  async writeStoryboard(
    request: StoryboardRequest,
    signal: AbortSignal,
  ): Promise<WriterCall<StoryboardSegmentInput[]>> {
    const answer = await this.ask(
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
      answer.json,
      request.segmentCount,
      answer.source,
      this.text.unusableAnswerCode,
    )
    return this.result(answer, segments)
  }

  private ask(
    schema: TextSchema,
    messages: TextMessage[],
    signal: AbortSignal,
    extra: Record<string, unknown>,
  ): Promise<TextAnswer> {
    return this.text.ask(
      {
        messages,
        schema,
        toolArgs: {
          prompt:
            messages.map((m) => m.content).join('\n\n') +
            `\n\nJSON schema: ${JSON.stringify(schema.schema)}`,
          messages,
          json_schema: schema.schema,
          response_format: { type: 'json_schema', json_schema: schema },
          ...extra,
        },
      },
      { signal, logger: this.logger },
    )
  }

  private result<T>(answer: TextAnswer, value: T): WriterCall<T> {
    return {
      value,
      model: answer.model,
      generationMs: answer.generationMs,
      cost: modelCost('story-generation', this.text),
    }
  }
}
