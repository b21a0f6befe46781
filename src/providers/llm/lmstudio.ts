import { KamuiError } from '../../core/errors.js'
import { BaseLlmClient, emptyAnswer, type OutputFormat, type RawAnswer } from './base-client.js'
import { CallDeadline } from './call-deadline.js'
import { isErrorBody, parseJson } from './answers.js'
import { httpRequest, readText, type HttpResponse } from './http.js'
import { sseData } from './sse.js'
import type { ChatCompletion, ChatRequest, LlmModelInfo } from './types.js'

/**
 * LM Studio through its OpenAI-compatible REST API (LM Studio docs, `lmstudio-ai/docs`):
 *
 * - models: `GET /api/v0/models` (0.3.6+: type `llm` / `vlm` / `embeddings` and state
 *   `loaded` / `not-loaded`), else `GET /v1/models` (ids only; with just-in-time loading on it
 *   lists every downloaded model, with it off the loaded ones);
 * - chat: `POST /v1/chat/completions` with `stream: true`, so the first-token deadline covers
 *   just-in-time loading and the idle deadline a stalled generation; structured output as
 *   `response_format: {type: 'json_schema', json_schema: {name, strict: true, schema}}` (the
 *   only structured type it accepts besides `text`: `json_object` gets a 400);
 * - embeddings: `POST /v1/embeddings`.
 *
 * Answers handled: string and object error bodies; a 200 with an error body instead of a
 * stream (bug-tracker #2322); `data: {"error": …}` chunks mid-stream; a 200 with zero deltas
 * (#2339) or empty content (LLM_002); `finish_reason: "length"` (LLM_002, the JSON would be cut
 * off); a server that ignores `stream` and answers one JSON body.
 */
export class LmStudioClient extends BaseLlmClient {
  readonly provider = 'lmstudio' as const

  async listModels(signal?: AbortSignal): Promise<LlmModelInfo[]> {
    const v0 = await this.getJson('/api/v0/models', signal).catch((error: unknown) => {
      if (signal?.aborted) throw error
      return undefined
    })
    const v0Data = (v0 as { data?: unknown } | undefined)?.data
    if (Array.isArray(v0Data)) return v0Data.flatMap(v0Model)
    const v1 = (await this.getJson('/v1/models', signal)) as { data?: unknown }
    if (!Array.isArray(v1.data)) {
      throw new KamuiError(
        'LLM_002',
        `LM Studio at ${this.baseUrl}: GET /v1/models did not answer {data: [...]}.`,
      )
    }
    return v1.data.flatMap((m: unknown) => {
      const id = (m as { id?: unknown }).id
      return typeof id === 'string'
        ? [{ id, type: 'unknown' as const, state: 'unknown' as const }]
        : []
    })
  }

  async embed(
    input: string[],
    options: { model?: string; signal?: AbortSignal } = {},
  ): Promise<number[][]> {
    return this.requestEmbeddings('/v1/embeddings', input, options, (body) => {
      const data = (body as { data?: unknown }).data
      const rows = Array.isArray(data)
        ? [...(data as { index?: number; embedding?: unknown }[])].sort(
            (a, b) => (a.index ?? 0) - (b.index ?? 0),
          )
        : []
      return rows.map((r) => r.embedding)
    })
  }

  protected async complete(
    request: ChatRequest,
    format: OutputFormat | undefined,
  ): Promise<ChatCompletion> {
    const model = request.model ?? this.model
    const where = this.where(model)
    const body = {
      model,
      messages: request.messages,
      stream: true,
      max_tokens: request.maxTokens ?? 1024,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(format
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name: format.name, strict: true, schema: format.schema },
            },
          }
        : {}),
    }
    const deadline = new CallDeadline(this.timeouts, where, request.signal)
    return this.chatUnderDeadline(model, where, deadline, async () => {
      const res = await httpRequest(this.url('/v1/chat/completions'), {
        json: body,
        signal: deadline.signal,
      })
      if (res.status !== 200) {
        const text = await readText(res)
        throw await this.answerError(where, res.status, text)
      }
      return String(res.headers['content-type'] ?? '').includes('text/event-stream')
        ? await this.readStream(res, where, deadline)
        : await this.readWhole(res, where, deadline)
    })
  }

  /** The SSE stream of a chat completion. */
  private async readStream(res: HttpResponse, where: string, deadline: CallDeadline) {
    const answer = emptyAnswer()
    for await (const data of sseData(res.body)) {
      deadline.chunk()
      if (data.trim() === '[DONE]') break
      const chunk = parseJson(data, `${where} (stream chunk)`)
      if (isErrorBody(chunk)) throw await this.answerError(where, 200, chunk)
      readChoice(chunk, answer, 'delta')
    }
    return answer
  }

  /** One JSON body instead of a stream (a server that ignores `stream`, or an error body). */
  private async readWhole(res: HttpResponse, where: string, deadline: CallDeadline) {
    const text = await readText(res)
    deadline.chunk()
    const body = parseJson(text, where)
    if (isErrorBody(body)) throw await this.answerError(where, 200, body)
    const answer = emptyAnswer()
    readChoice(body, answer, 'message')
    return answer
  }
}

/** Adds one chunk's (`delta`) or one body's (`message`) first choice to `answer`. */
function readChoice(body: unknown, answer: RawAnswer, key: 'delta' | 'message'): void {
  const record = body as {
    model?: unknown
    choices?: {
      delta?: { content?: unknown }
      message?: { content?: unknown }
      finish_reason?: unknown
    }[]
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }
  }
  if (typeof record.model === 'string') answer.model = record.model
  const choice = Array.isArray(record.choices) ? record.choices[0] : undefined
  const content = choice?.[key]?.content
  if (typeof content === 'string') answer.content += content
  if (typeof choice?.finish_reason === 'string') answer.finishReason = choice.finish_reason
  const usage = record.usage
  if (usage && typeof usage === 'object') {
    answer.usage = {
      promptTokens: typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : null,
      completionTokens:
        typeof usage.completion_tokens === 'number' ? usage.completion_tokens : null,
    }
  }
}

/** One entry of `GET /api/v0/models`. */
function v0Model(entry: unknown): LlmModelInfo[] {
  const m = entry as { id?: unknown; type?: unknown; state?: unknown }
  if (typeof m.id !== 'string') return []
  const type = m.type === 'llm' || m.type === 'vlm' || m.type === 'embeddings' ? m.type : 'unknown'
  const state = m.state === 'loaded' || m.state === 'not-loaded' ? m.state : 'unknown'
  return [{ id: m.id, type, state }]
}
