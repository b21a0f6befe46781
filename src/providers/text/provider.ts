import type { Logger } from '../../core/logger.js'
import type { ModelTelemetry } from '../../contracts/telemetry.js'
import type { ModelEntry } from '../../models/types.js'

/**
 * The text kind: a model that answers a request with text or JSON (stories, storyboards,
 * frame compositions). Implemented by MCP text tools (hosted, or the embedded preview server;
 * `McpTextProvider`, a text job of the run's job runner) and the local LLM with structured
 * output (`LlmTextProvider`); callers build one request and never look at which answers it.
 */

/** One chat message. */
export interface TextMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

/** A JSON schema for structured output, with the name the OpenAI-style API wants. */
export interface TextSchema {
  /** Letters, digits, `_` and `-` (e.g. `keyframe_stories`). */
  name: string
  description: string
  /** A JSON Schema (draft 2020-12) object, from zod's `z.toJSONSchema`. */
  schema: Record<string, unknown>
}

/** One request, in the forms both kinds of model take. */
export interface TextRequest {
  /** The chat messages (the local LLM answers them with JSON matching `schema`). */
  messages: TextMessage[]
  schema: TextSchema
  /**
   * The arguments of an MCP text tool: each tool receives those its input schema declares,
   * with the registry entry's constant `arguments` added.
   */
  toolArgs: Record<string, unknown>
}

/** One answer. */
export interface TextAnswer {
  /**
   * The JSON value: the local LLM's structured output, or a tool's `structuredContent`, or JSON
   * found in its text; undefined when there is none.
   */
  json: unknown
  /** All text of the answer (empty for structured output). */
  text: string
  /** Who answered, for messages: `tool "x" on MCP server "y"`, `the local LLM (qwen2.5)`. */
  source: string
  model: ModelTelemetry
  /** Model call time, ms. */
  generationMs: number
}

/** Options of one call. */
export interface TextCallOptions {
  /** The call's deadline and cancellation; its reason is rethrown. */
  signal: AbortSignal
  logger: Logger
}

/** Anything that answers a {@link TextRequest}. */
export interface TextProvider {
  /** Recorded in reports and used as the queue's model key: the alias, `preview:<alias>`. */
  readonly label: string
  /** True for template output no model wrote (the preview server). */
  readonly preview: boolean
  /** True when reference images must be data URLs (the offline preview server). */
  readonly offline: boolean
  /** Everything about the model that changes its answers (part of cache keys). */
  readonly cacheIdentity: string
  /** Why a call costs nothing, or null when it costs the registry entry's `priceUsd`. */
  readonly noCharge: string | null
  /** The registry entry (its price), or null for the local LLM. */
  readonly entry: ModelEntry | null
  /** The code of an answer that does not hold what was asked: GEN_001 (tools), LLM_002 (LLM). */
  readonly unusableAnswerCode: 'GEN_001' | 'LLM_002'
  /**
   * @throws KamuiError the classified MCP errors of the job runner (IMG_002, IMG_003, MCP_001,
   *   GEN_001 for a failed job or an answer without text), or the local LLM's (LLM_001,
   *   LLM_002, LLM_003)
   */
  ask(request: TextRequest, options: TextCallOptions): Promise<TextAnswer>
}
