import { KamuiError } from '../../core/errors.js'
import { isErrorBody, parseJson } from './answers.js'
import { BaseLlmClient, emptyAnswer, type OutputFormat, type RawAnswer } from './base-client.js'
import { httpRequest, readText } from './http.js'
import type { ChatCompletion, ChatMessage, ChatRequest, LlmModelInfo } from './types.js'

/**
 * Ollama through its native REST API (Ollama `docs/api.md`), the fallback when LM Studio is down:
 *
 * - models: `GET /api/tags` (installed), `GET /api/ps` (loaded; best effort);
 * - chat: `POST /api/chat` with `stream: false` (the default is true) and the JSON schema in
 *   `format`; images as bare base64 in the message's `images`; the token limit as
 *   `options.num_predict`;
 * - embeddings: `POST /api/embed`.
 *
 * Errors are `{"error": "<string>"}` (404 `model "x" not found, try pulling it first`). A
 * server that streams anyway (NDJSON lines, an `{"error"}` line after a 200) is read too.
 *
 * Model types are not in `/api/tags`; a **heuristic** fills them: `embeddings` when the name
 * contains `embed` (nomic-embed-text, mxbai-embed-large, …), `vlm` when `details.families`
 * holds `clip` or `mllama` (llava, llama3.2-vision), else `unknown`.
 */
export class OllamaClient extends BaseLlmClient {
  readonly provider = 'ollama' as const

  async listModels(signal?: AbortSignal): Promise<LlmModelInfo[]> {
    const tags = (await this.getJson('/api/tags', signal)) as { models?: unknown }
    if (!Array.isArray(tags.models)) {
      throw new KamuiError(
        'LLM_002',
        `Ollama at ${this.baseUrl}: GET /api/tags did not answer {models: [...]}.`,
      )
    }
    const loaded = await this.getJson('/api/ps', signal).then(
      (ps) => {
        const models = (ps as { models?: unknown }).models
        return Array.isArray(models)
          ? new Set(models.map((m) => String((m as { name?: unknown }).name)))
          : undefined
      },
      (error: unknown) => {
        if (signal?.aborted) throw error
        return undefined
      },
    )
    return tags.models.flatMap((entry: unknown): LlmModelInfo[] => {
      const m = entry as { name?: unknown; details?: { families?: unknown } }
      if (typeof m.name !== 'string') return []
      const families = Array.isArray(m.details?.families) ? m.details.families.map(String) : []
      const type = /embed/i.test(m.name)
        ? 'embeddings'
        : families.some((f) => f === 'clip' || f === 'mllama')
          ? 'vlm'
          : 'unknown'
      const state = loaded ? (loaded.has(m.name) ? 'loaded' : 'not-loaded') : 'unknown'
      return [{ id: m.name, type, state }]
    })
  }

  async embed(
    input: string[],
    options: { model?: string; signal?: AbortSignal } = {},
  ): Promise<number[][]> {
    return this.requestEmbeddings('/api/embed', input, options, (body) => {
      const vectors = (body as { embeddings?: unknown }).embeddings
      return Array.isArray(vectors) ? vectors : []
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
      messages: request.messages.map(ollamaMessage),
      stream: false,
      ...(format ? { format: format.schema } : {}),
      options: {
        num_predict: request.maxTokens ?? 1024,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      },
    }
    const deadline = this.nonStreamedDeadline(where, request.signal)
    return this.chatUnderDeadline(model, where, deadline, async () => {
      const res = await httpRequest(this.url('/api/chat'), { json: body, signal: deadline.signal })
      const text = await readText(res)
      deadline.chunk()
      if (res.status !== 200) throw await this.answerError(where, res.status, text)
      const ndjson = String(res.headers['content-type'] ?? '').includes('ndjson')
      const lines = ndjson ? text.split('\n').filter((l) => l.trim() !== '') : [text]
      const answer = emptyAnswer()
      for (const line of lines) {
        const part = parseJson(line, where)
        if (isErrorBody(part)) throw await this.answerError(where, 200, part)
        readPart(part, answer)
      }
      return answer
    })
  }
}

/** Adds one `/api/chat` body (or NDJSON line) to `answer`. */
function readPart(part: unknown, answer: RawAnswer): void {
  const record = part as {
    model?: unknown
    message?: { content?: unknown }
    done_reason?: unknown
    prompt_eval_count?: unknown
    eval_count?: unknown
  }
  if (typeof record.model === 'string') answer.model = record.model
  if (typeof record.message?.content === 'string') answer.content += record.message.content
  if (typeof record.done_reason === 'string') answer.finishReason = record.done_reason
  if (typeof record.prompt_eval_count === 'number' || typeof record.eval_count === 'number') {
    answer.usage = {
      promptTokens: typeof record.prompt_eval_count === 'number' ? record.prompt_eval_count : null,
      completionTokens: typeof record.eval_count === 'number' ? record.eval_count : null,
    }
  }
}

/**
 * An OpenAI-style message in Ollama's form: text parts joined with blank lines into `content`,
 * image parts (data URLs) as bare base64 in `images`.
 *
 * @throws KamuiError LLM_002 for an image part that is not a base64 data URL (Ollama cannot
 *   fetch URLs)
 */
export function ollamaMessage(message: ChatMessage): {
  role: string
  content: string
  images?: string[]
} {
  if (typeof message.content === 'string') return { role: message.role, content: message.content }
  const texts: string[] = []
  const images: string[] = []
  for (const part of message.content) {
    if (part.type === 'text') {
      texts.push(part.text)
      continue
    }
    const match = /^data:[^;,]+;base64,(.*)$/s.exec(part.image_url.url)
    if (!match) {
      throw new KamuiError(
        'LLM_002',
        'Ollama takes images as base64 only; an image part was not a base64 data URL.',
      )
    }
    images.push(match[1] as string)
  }
  return {
    role: message.role,
    content: texts.join('\n\n'),
    ...(images.length ? { images } : {}),
  }
}
