import type { z } from 'zod'

/**
 * Types of the local-LLM client (SPEC §3.3): one {@link LlmClient} interface over LM Studio
 * (OpenAI-compatible REST) and Ollama (native REST), so that callers (prompt translation and
 * enhancement, the vision scorer, story generation) never care which one answered, while the
 * report can still say so through {@link LlmClient.provider}.
 *
 * Protocol facts: the LM Studio docs (`lmstudio-ai/docs` @c6854fb) and Ollama's
 * `docs/api.md` (`ollama/ollama` @fb30760).
 */

/** Which server answered. */
export type LlmProvider = 'lmstudio' | 'ollama'

/** A text part of a message (OpenAI content-part form). */
export interface TextPart {
  type: 'text'
  text: string
}

/**
 * An image part of a message, OpenAI style: `url` is a `data:image/png;base64,…` URL (LM Studio
 * accepts data URLs for vision models; Ollama gets the bare base64 in `images`).
 */
export interface ImagePart {
  type: 'image_url'
  image_url: { url: string }
}

/** One chat message. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  /** Plain text, or parts (text and images) for vision models. */
  content: string | (TextPart | ImagePart)[]
}

/** A chat request (the model defaults to the client's {@link LlmClient.model}). */
export interface ChatRequest {
  messages: ChatMessage[]
  /** Model id on the server; default {@link LlmClient.model}. */
  model?: string
  /** Sampling temperature (default: the server's). */
  temperature?: number
  /** Upper bound of generated tokens (default 1024). */
  maxTokens?: number
  /** Cancellation; its reason is rethrown. */
  signal?: AbortSignal
}

/**
 * A chat request whose answer must be JSON matching `schema`: LM Studio gets it as
 * `response_format: {type: 'json_schema', json_schema: {name, strict: true, schema}}`, Ollama
 * as `format: <schema>`; the schema is produced from the zod schema with `z.toJSONSchema`.
 */
export interface StructuredChatRequest<T> extends ChatRequest {
  /** The zod schema the answer is validated with after `JSON.parse`. */
  schema: z.ZodType<T>
  /** Name of the schema for LM Studio's `json_schema.name` (letters, digits, `_`, `-`). */
  schemaName: string
}

/** Token counts as the server reported them (null when it did not). */
export interface LlmUsage {
  promptTokens: number | null
  completionTokens: number | null
}

/** The answer of a chat request. */
export interface ChatCompletion {
  /** The assistant's text, as sent (never empty: an empty answer is an LLM_002 error). */
  content: string
  /** The model the server says answered (may differ from the one asked for, see LM Studio bug-tracker #619). */
  model: string
  provider: LlmProvider
  /** Why generation stopped (`stop`, `length`, …), or null when not reported. */
  finishReason: string | null
  usage: LlmUsage
  /** Wall time from sending the request to the first token (LM Studio stream) or the whole answer (Ollama), ms. */
  firstTokenMs: number
  /** Wall time of the whole call, ms. */
  totalMs: number
}

/** The answer of a structured chat request: the validated value and the text it came from. */
export interface StructuredCompletion<T> extends ChatCompletion {
  value: T
}

/** What a server says about one model. */
export interface LlmModelInfo {
  /** The id to put in `model` (LM Studio model key; Ollama `name`, e.g. `llama3.2:latest`). */
  id: string
  /** `llm`, `vlm` (vision), `embeddings`, or `unknown` when the server does not say. */
  type: 'llm' | 'vlm' | 'embeddings' | 'unknown'
  /** Whether it is in memory now, or `unknown` when the server does not say. */
  state: 'loaded' | 'not-loaded' | 'unknown'
}

/** What a model is wanted for, to pick a default when none is configured. */
export type ModelPurpose = 'chat' | 'vision' | 'embeddings'

/** Deadlines of one LLM call, in ms. */
export interface LlmTimeouts {
  /**
   * From sending the request to the first token. Generous by default (300 000 ms) because
   * LM Studio and Ollama load a model just in time on its first request, which takes minutes
   * for large models on slow disks.
   */
  firstTokenMs: number
  /** Longest silence between two streamed chunks after the first (LM Studio), ms. */
  idleMs: number
  /** Longest generation after the first token, ms (Ollama, not streamed: added to `firstTokenMs`). */
  generationMs: number
}

/** The client of one local LLM server. */
export interface LlmClient {
  /** `lmstudio` or `ollama`: which server this client talks to (for the report). */
  readonly provider: LlmProvider
  /** Base URL of the server, without `/v1` (e.g. `http://127.0.0.1:1234`). */
  readonly baseUrl: string
  /** The model used when a request names none (resolved against the server's list). */
  readonly model: string
  /**
   * Set when this client is the Ollama fallback: the LM Studio URL that was down and why.
   * Null for the first choice.
   */
  readonly fallbackFrom: { provider: LlmProvider; baseUrl: string; reason: string } | null

  /** Models the server offers. @throws KamuiError LLM_001 when it cannot be reached */
  listModels(signal?: AbortSignal): Promise<LlmModelInfo[]>

  /**
   * The model id to use for `purpose`: `requested` when the server has it (exact, or Ollama's
   * implicit `:latest` tag), else the first loaded model fit for the purpose, else the first
   * fit one.
   *
   * @throws KamuiError LLM_003 when `requested` is not on the server, or none fits the purpose
   *   (the message lists the available models)
   */
  resolveModel(
    requested: string | undefined,
    purpose: ModelPurpose,
    signal?: AbortSignal,
  ): Promise<string>

  /**
   * A chat completion as text.
   *
   * @throws KamuiError LLM_001 unreachable or silent past a deadline; LLM_002 an error body,
   *   an empty answer or one cut off at `maxTokens`; LLM_003 unknown model; the signal's reason
   */
  chat(request: ChatRequest): Promise<ChatCompletion>

  /**
   * A chat completion whose answer is parsed as JSON and validated with `request.schema`.
   *
   * @throws KamuiError LLM_002 when the answer is empty, not JSON, or fails validation (the
   *   message names each failing field); and the errors of {@link chat}
   */
  chatStructured<T>(request: StructuredChatRequest<T>): Promise<StructuredCompletion<T>>

  /**
   * Embedding vectors of `input`, one per string, in order.
   *
   * @throws KamuiError LLM_002 when the answer does not hold one finite vector per input; the
   *   errors of {@link chat}
   */
  embed(input: string[], options?: { model?: string; signal?: AbortSignal }): Promise<number[][]>
}
