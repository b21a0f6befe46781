import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { abortReason, sleep } from '../../core/abort.js'
import { KamuiError, isKamuiError } from '../../core/errors.js'
import type { Logger } from '../../core/logger.js'
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_POLL_INTERVAL_MS,
  filterArguments,
} from '../../providers/mcp/invoke.js'
import type { McpPool } from '../../providers/mcp/pool.js'
import {
  extractErrorText,
  extractRequestId,
  extractStatusWord,
  normaliseStatus,
  resultText,
} from '../../providers/mcp/result-media.js'
import type { McpCall } from '../../models/types.js'

/**
 * Calling MCP tools that answer with text (story writers, composition enhancers) rather than
 * media: `invokeTool` of src/providers/mcp requires media in the result, these tools return a text
 * composition or JSON. Both call shapes of SPEC §3.1 are supported.
 */

/** What a text tool answered. */
export interface TextToolAnswer {
  /** All text content joined with newlines (not redacted: callers redact what they log). */
  text: string
  /** `structuredContent`, when the tool sent one. */
  structured: unknown
  /** Key of the server that ran it. */
  server: string
  /** Tools called: `[tool]` or `[submit, status, result]`. */
  tools: string[]
  /** Model call time, ms. */
  generationMs: number
  /** Names of the input-schema properties of the (submit) tool: what it accepted. */
  accepted: string[]
}

/** Options of {@link callTextTool}. */
export interface TextToolOptions {
  signal: AbortSignal
  logger?: Logger
  /** Server-key substrings to search first. */
  hints?: string[]
  /** Pause between status calls of the async form, ms (default 2000). */
  pollIntervalMs?: number
}

/** Retryable status-call failures tolerated in a row. */
const MAX_STATUS_FAILURES = 3

/**
 * Calls a text tool: sync (`call.tool`) or submit → status (polled) → result. Each tool gets
 * only the arguments its input schema declares.
 *
 * @throws KamuiError IMG_002 when the tool is on no configured server; GEN_001 when a submit
 *   returns no request id, the job fails, or the answer holds no text at all; the classified
 *   MCP errors of `McpPool.callTool`; the signal's reason when aborted
 */
export async function callTextTool(
  pool: McpPool,
  call: McpCall,
  args: Record<string, unknown>,
  options: TextToolOptions,
): Promise<TextToolAnswer> {
  const { signal } = options
  const find = { signal, ...(options.hints ? { hints: options.hints } : {}) }
  const started = performance.now()
  try {
    if (call.type === 'sync') {
      const location = await pool.findTool(call.tool, find)
      const result = await pool.callTool(location, filterArguments(location, args), {
        signal,
        timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
      })
      return answer(result, location.server, [call.tool], started, location.inputProperties)
    }
    const submit = await pool.findTool(call.submit, find)
    const same = { ...find, server: submit.server }
    const [status, result] = await Promise.all([
      pool.findTool(call.status, same),
      pool.findTool(call.result, same),
    ])
    const submitted = await pool.callTool(submit, filterArguments(submit, args), {
      signal,
      timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    })
    const id = extractRequestId(submitted)
    if (id === undefined) {
      throw new KamuiError(
        'GEN_001',
        `tool "${call.submit}" on MCP server "${submit.server}" returned no request_id.`,
      )
    }
    let failures = 0
    for (;;) {
      await sleep(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, signal)
      let state: CallToolResult
      try {
        state = await pool.callTool(status, idArguments(status.inputProperties, id), {
          signal,
          timeoutMs: 30_000,
        })
        failures = 0
      } catch (error) {
        if (signal.aborted || !isKamuiError(error) || !error.retryable) throw error
        if (++failures >= MAX_STATUS_FAILURES) throw error
        options.logger?.warn(`${call.status}: ${error.message}; checking again.`)
        continue
      }
      const word = extractStatusWord(state)
      const normalised = word === undefined ? undefined : normaliseStatus(word)
      if (normalised === 'failed') {
        const reason = extractErrorText(state)
        throw new KamuiError(
          'GEN_001',
          `${call.submit.replace(/_submit$/, '')} job ${id} on MCP server "${submit.server}" failed` +
            (reason ? `: ${pool.redact(reason)}` : '.'),
        )
      }
      if (normalised === 'completed') break
    }
    const final = await pool.callTool(result, idArguments(result.inputProperties, id), {
      signal,
      timeoutMs: DEFAULT_CALL_TIMEOUT_MS,
    })
    return answer(
      final,
      submit.server,
      [call.submit, call.status, call.result],
      started,
      submit.inputProperties,
    )
  } catch (error) {
    if (signal.aborted) throw abortReason(signal)
    throw error
  }
}

/** `{ request_id }`, or the id argument name the tool declares. */
function idArguments(declared: string[], id: string): Record<string, string> {
  const name = ['request_id', 'requestId', 'id', 'job_id', 'jobId'].find((n) =>
    declared.includes(n),
  )
  return { [name ?? 'request_id']: id }
}

function answer(
  result: CallToolResult,
  server: string,
  tools: string[],
  started: number,
  accepted: string[],
): TextToolAnswer {
  const text = resultText(result)
  if (text.trim() === '' && result.structuredContent === undefined) {
    throw new KamuiError(
      'GEN_001',
      `tool "${tools[tools.length - 1]}" on MCP server "${server}" answered without any text.`,
    )
  }
  return {
    text,
    structured: result.structuredContent,
    server,
    tools,
    generationMs: Math.round(performance.now() - started),
    accepted,
  }
}

/**
 * The JSON value of a text answer: `structuredContent` when present, else the text parsed as
 * JSON, else the first `{…}` block in the text (models often wrap JSON in prose or fences).
 *
 * @returns undefined when no JSON can be read
 */
export function answerJson(answer: Pick<TextToolAnswer, 'text' | 'structured'>): unknown {
  if (answer.structured !== undefined && answer.structured !== null) return answer.structured
  return parseJsonLoose(answer.text)
}

/** `text` parsed as JSON, or its first balanced `{…}` block; undefined when neither parses. */
export function parseJsonLoose(text: string): unknown {
  const trimmed = text.trim().replace(/^```(?:json)?\s*|\s*```$/g, '')
  try {
    return JSON.parse(trimmed) as unknown
  } catch {
    // look for an object inside
  }
  const start = trimmed.indexOf('{')
  if (start < 0) return undefined
  let depth = 0
  let inString = false
  for (let i = start; i < trimmed.length; i++) {
    const c = trimmed[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
    } else if (c === '"') inString = true
    else if (c === '{') depth++
    else if (c === '}' && --depth === 0) {
      try {
        return JSON.parse(trimmed.slice(start, i + 1)) as unknown
      } catch {
        return undefined
      }
    }
  }
  return undefined
}
