import { KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { checkVectors, isErrorBody, parseJson } from './answers.js'
import { CallDeadline, DEFAULT_LLM_TIMEOUTS, LIST_TIMEOUT_MS } from './call-deadline.js'
import { httpRequest, readText, shorten } from './http.js'
import { networkError, serverAnswerError } from './server-errors.js'
import { pickModel, PROVIDER_NAMES } from './models.js'
import { jsonSchemaOf, parseStructured } from './structured.js'
import type {
  ChatCompletion,
  ChatRequest,
  LlmClient,
  LlmModelInfo,
  LlmProvider,
  LlmTimeouts,
  LlmUsage,
  ModelPurpose,
  StructuredChatRequest,
  StructuredCompletion,
} from './types.js'

/** Options shared by the LM Studio and Ollama clients. */
export interface LlmClientOptions {
  /** Base URL without `/v1` (see `normaliseBaseUrl`). */
  baseUrl: string
  /** The resolved default model id (see `LlmClient.resolveModel`). */
  model: string
  /** Deadlines; each field defaults to `DEFAULT_LLM_TIMEOUTS`. */
  timeouts?: Partial<LlmTimeouts>
  logger?: Logger
  /** Set on the Ollama fallback: the server that was down. */
  fallbackFrom?: LlmClient['fallbackFrom']
  /** Input name of the model, for LLM_003 messages (default `llm-model`). */
  modelInput?: string
}

/** What a provider sends for structured output: the schema and its name. */
export interface OutputFormat {
  name: string
  schema: Record<string, unknown>
}

/** An answer as read from the wire, before the checks of `finishAnswer`. */
export interface RawAnswer {
  content: string
  /** The model the server named in its answer, or null. */
  model: string | null
  /** `finish_reason` (LM Studio) or `done_reason` (Ollama), or null. */
  finishReason: string | null
  usage: LlmUsage
}

/** A fresh {@link RawAnswer} to fill. */
export function emptyAnswer(): RawAnswer {
  return {
    content: '',
    model: null,
    finishReason: null,
    usage: { promptTokens: null, completionTokens: null },
  }
}

/**
 * What the two clients share: the default model, model resolution against the server's list,
 * and structured output on top of the provider's {@link complete}.
 */
export abstract class BaseLlmClient implements LlmClient {
  abstract readonly provider: LlmProvider
  readonly baseUrl: string
  readonly model: string
  readonly fallbackFrom: LlmClient['fallbackFrom']
  protected readonly timeouts: LlmTimeouts
  protected readonly logger: Logger
  protected readonly modelInput: string

  constructor(options: LlmClientOptions) {
    this.baseUrl = options.baseUrl
    this.model = options.model
    this.fallbackFrom = options.fallbackFrom ?? null
    this.timeouts = { ...DEFAULT_LLM_TIMEOUTS, ...options.timeouts }
    this.logger = options.logger ?? silentLogger
    this.modelInput = options.modelInput ?? 'llm-model'
  }

  abstract listModels(signal?: AbortSignal): Promise<LlmModelInfo[]>
  abstract embed(
    input: string[],
    options?: { model?: string; signal?: AbortSignal },
  ): Promise<number[][]>

  /** One chat call; `format` asks for structured output. */
  protected abstract complete(
    request: ChatRequest,
    format: OutputFormat | undefined,
  ): Promise<ChatCompletion>

  async resolveModel(
    requested: string | undefined,
    purpose: ModelPurpose,
    signal?: AbortSignal,
  ): Promise<string> {
    const models = await this.listModels(signal)
    return pickModel(models, requested, purpose, {
      provider: this.provider,
      baseUrl: this.baseUrl,
      input: this.modelInput,
    })
  }

  chat(request: ChatRequest): Promise<ChatCompletion> {
    return this.complete(request, undefined)
  }

  async chatStructured<T>(request: StructuredChatRequest<T>): Promise<StructuredCompletion<T>> {
    const format = { name: request.schemaName, schema: jsonSchemaOf(request.schema) }
    const completion = await this.complete(request, format)
    const value = parseStructured(
      completion.content,
      request.schema,
      `${this.where(request.model ?? this.model)}`,
    )
    return { ...completion, value }
  }

  /** `LM Studio at http://…, model "x"` for messages. */
  protected where(model: string): string {
    return `${PROVIDER_NAMES[this.provider]} at ${this.baseUrl}, model "${model}"`
  }

  /**
   * The deadline of a call whose answer is not streamed (its first byte is the whole answer):
   * `firstTokenMs + generationMs`.
   */
  protected nonStreamedDeadline(where: string, signal?: AbortSignal): CallDeadline {
    return new CallDeadline(
      this.timeouts,
      where,
      signal,
      this.timeouts.firstTokenMs + this.timeouts.generationMs,
    )
  }

  /**
   * Checks a complete answer and builds the completion.
   *
   * @throws KamuiError LLM_002 when the content is empty (a 200 with no content: context
   *   overflow, zero deltas) or the generation stopped at the token limit (`length`)
   */
  protected finishAnswer(
    answer: RawAnswer,
    model: string,
    where: string,
    deadline: CallDeadline,
  ): ChatCompletion {
    if (answer.content.trim() === '') {
      throw new KamuiError(
        'LLM_002',
        `${where} answered with empty content (HTTP 200` +
          (answer.finishReason ? `, finish reason "${answer.finishReason}"` : '') +
          '). This happens when the prompt overflows the context length or the model fails; ' +
          'try a larger context length or another model.',
      )
    }
    if (answer.finishReason === 'length') {
      throw new KamuiError(
        'LLM_002',
        `${where} stopped at the token limit (finish reason "length"), so the answer is cut ` +
          `off: "${shorten(answer.content)}".`,
      )
    }
    if (answer.model && answer.model !== model) {
      this.logger.warn(
        `${where}: the answer came from model "${answer.model}"` +
          (this.provider === 'lmstudio'
            ? ' (LM Studio ignores the model field when exactly one model is loaded, bug-tracker #619).'
            : '.'),
      )
    }
    return {
      content: answer.content,
      model: answer.model ?? model,
      provider: this.provider,
      finishReason: answer.finishReason,
      usage: answer.usage,
      firstTokenMs: deadline.firstTokenMs,
      totalMs: Math.round(performance.now() - deadline.startedAt),
    }
  }

  /**
   * GET `path` (a model list) with the short list deadline.
   *
   * @throws KamuiError LLM_001 when the server is down or answers 5xx, LLM_002 for another
   *   status or a body that is not JSON
   */
  protected async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const where = `${PROVIDER_NAMES[this.provider]} at ${this.baseUrl}`
    const deadline = new CallDeadline(
      { firstTokenMs: LIST_TIMEOUT_MS, idleMs: LIST_TIMEOUT_MS, generationMs: LIST_TIMEOUT_MS },
      `${where} (GET ${path})`,
      signal,
    )
    return this.underDeadline(where, deadline, async () => {
      const res = await httpRequest(this.url(path), { signal: deadline.signal })
      const text = await readText(res)
      if (res.status !== 200) {
        throw new KamuiError(
          res.status >= 500 ? 'LLM_001' : 'LLM_002',
          `${where}: GET ${path} answered HTTP ${res.status}: ${shorten(text) || '(empty body)'}`,
        )
      }
      return parseJson(text, `${where} (GET ${path})`)
    })
  }

  /** The error of a server answer that is an error (any status, string or object body). */
  protected answerError(where: string, status: number, body: unknown): Promise<KamuiError> {
    return serverAnswerError(where, status, body, () => this.listModels(), this.modelInput)
  }

  /**
   * POSTs `{model, input}` to the provider's embeddings `path` and returns the vectors that
   * `pick` finds in the answer, checked by `checkVectors` (one per input, same length).
   *
   * @throws KamuiError LLM_001 when the server is down, the server's error otherwise, LLM_002
   *   for an answer without the right vectors
   */
  protected async requestEmbeddings(
    path: string,
    input: string[],
    options: { model?: string; signal?: AbortSignal },
    pick: (body: unknown) => unknown[],
  ): Promise<number[][]> {
    const model = options.model ?? this.model
    const where = this.where(model)
    const deadline = this.nonStreamedDeadline(where, options.signal)
    return this.underDeadline(where, deadline, async () => {
      const res = await httpRequest(this.url(path), {
        json: { model, input },
        signal: deadline.signal,
      })
      const text = await readText(res)
      deadline.chunk()
      if (res.status !== 200) throw await this.answerError(where, res.status, text)
      const body = parseJson(text, where)
      if (isErrorBody(body)) throw await this.answerError(where, 200, body)
      return checkVectors(pick(body), input.length, where)
    })
  }

  /**
   * One chat exchange under `deadline`: the answer `exchange` reads, checked by
   * {@link finishAnswer}.
   *
   * @throws the errors of {@link underDeadline} and {@link finishAnswer}
   */
  protected chatUnderDeadline(
    model: string,
    where: string,
    deadline: CallDeadline,
    exchange: () => Promise<RawAnswer>,
  ): Promise<ChatCompletion> {
    return this.underDeadline(where, deadline, async () =>
      this.finishAnswer(await exchange(), model, where, deadline),
    )
  }

  /**
   * Runs `call` (a request to this server) and clears `deadline` after it, however it ends.
   *
   * @throws the KamuiError `call` throws as it is; anything else (a network failure, the
   *   deadline's abort) as LLM_001 naming `where`
   */
  protected async underDeadline<T>(
    where: string,
    deadline: CallDeadline,
    call: () => Promise<T>,
  ): Promise<T> {
    try {
      return await call()
    } catch (error) {
      throw networkError(where, deadline.reason(error))
    } finally {
      deadline.clear()
    }
  }

  /** `path` on this server. */
  protected url(path: string): URL {
    return new URL(`${this.baseUrl}${path}`)
  }
}
