import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { abortReason } from '../../core/abort.js'
import { KamuiError } from '../../core/errors.js'
import { silentLogger, type Logger } from '../../core/logger.js'
import { filterArguments } from '../../providers/mcp/invoke.js'
import type { McpPool } from '../../providers/mcp/pool.js'
import type { ModelEntry } from '../../models/types.js'
import type { ScoredDimension, Scorer, ScorerResult, ScoreRequest } from '../types.js'

/**
 * A scorer reached through MCP (SPEC §5 "Quality": "an MCP scoring tool"): a model-registry
 * entry of `kind: scorer`, `provider: mcp` and a `sync` call names the tool, which is found by
 * name on any configured server like a model's tools.
 *
 * ```yaml
 * models:
 *   clip-aesthetic:
 *     kind: scorer
 *     provider: mcp
 *     call: { type: sync, tool: score_image }
 *     scoreScale: 10        # when the tool answers on 0–10 instead of 0–1
 * ```
 */

/** Default limit of one scoring call, in ms (the caller's signal is the real deadline). */
export const DEFAULT_SCORE_TIMEOUT_MS = 120_000

/** Result keys read as the prompt-alignment score, in order of preference. */
export const ALIGNMENT_KEYS = ['alignment', 'prompt_alignment', 'clip_score'] as const
/** Result keys read as the aesthetic score, in order of preference. */
export const AESTHETIC_KEYS = ['aesthetic', 'aesthetic_score'] as const

/** Arguments whose presence in the tool's input schema means it can receive the image. */
const IMAGE_ARGUMENTS = ['image', 'image_base64', 'image_url'] as const

/** Options of {@link McpScorer}. */
export interface McpScorerOptions {
  logger?: Logger
  /** Limit of one call in ms (default {@link DEFAULT_SCORE_TIMEOUT_MS}). */
  callTimeoutMs?: number
}

/** The scorer of a registry entry of `kind: scorer` called through an {@link McpPool}. */
export class McpScorer implements Scorer {
  readonly name: string
  readonly dimensions: readonly ScoredDimension[] = ['alignment', 'aesthetic']
  private readonly tool: string
  private readonly logger: Logger

  /**
   * @throws KamuiError CFG_003 when the entry is not a scorer with `provider: mcp` and a `sync`
   *   call, or its `scoreScale` is not a positive number
   */
  constructor(
    private readonly entry: ModelEntry,
    private readonly pool: McpPool,
    private readonly options: McpScorerOptions = {},
  ) {
    if (entry.kind !== 'scorer' || entry.provider !== 'mcp' || entry.call?.type !== 'sync') {
      throw new KamuiError(
        'CFG_003',
        `Model "${entry.alias}" cannot be used as a quality scorer: it needs kind "scorer", ` +
          `provider "mcp" and a call of type "sync" (it has kind "${entry.kind}", provider ` +
          `"${entry.provider}", call ${entry.call ? `"${entry.call.type}"` : 'none'}).`,
      )
    }
    const scale = entry.scoreScale
    if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) {
      throw new KamuiError(
        'CFG_003',
        `Scorer "${entry.alias}" has scoreScale ${String(scale)}; it must be a positive number.`,
      )
    }
    this.name = entry.alias
    this.tool = entry.call.tool
    this.logger = options.logger ?? silentLogger
  }

  /**
   * Finds the tool (the entry's `serverHints` first), calls it with the image and the prompt,
   * and reads the scores.
   *
   * Arguments: the entry's constant `arguments` plus the candidates `image` (a
   * `data:image/png;base64,…` URL), `image_base64` (bare base64), `image_url` (the same data URL)
   * and `prompt`, of which the tool receives only those its input schema declares.
   *
   * @returns `alignment` and / or `aesthetic` in 0–1 (divided by the entry's `scoreScale` when it
   *   declares one), with `source` naming the tool and server
   * @throws KamuiError CFG_003 when the tool declares none of `image`, `image_base64`,
   *   `image_url`; GEN_001 when its answer holds no score or a score that is not a number in
   *   0–1 (0–scoreScale), naming the field; the errors of `McpPool.findTool` / `callTool`
   *   (IMG_002 tool not found, IMG_003 timeout, …); the signal's reason when it aborts
   */
  async score(request: ScoreRequest): Promise<ScorerResult> {
    const { signal } = request
    try {
      const started = Date.now()
      const location = await this.pool.findTool(this.tool, {
        hints: this.entry.serverHints,
        signal,
      })
      const base64 = request.png.toString('base64')
      const dataUrl = `data:image/png;base64,${base64}`
      const args = filterArguments(location, {
        ...this.entry.arguments,
        image: dataUrl,
        image_base64: base64,
        image_url: dataUrl,
        prompt: request.prompt,
      })
      if (!IMAGE_ARGUMENTS.some((name) => name in args)) {
        throw new KamuiError(
          'CFG_003',
          `Scoring tool "${this.tool}" on MCP server "${location.server}" declares none of the ` +
            `image inputs ${IMAGE_ARGUMENTS.join(', ')} (it declares: ` +
            `${location.inputProperties.join(', ') || 'nothing'}), so it cannot be sent the image.`,
        )
      }
      const result = await this.pool.callTool(location, args, {
        signal,
        timeoutMs: this.options.callTimeoutMs ?? DEFAULT_SCORE_TIMEOUT_MS,
      })
      const where = `scoring tool "${this.tool}" on MCP server "${location.server}"`
      const scores = parseScores(result, {
        ...(this.entry.scoreScale !== undefined ? { scale: this.entry.scoreScale } : {}),
        where,
        redact: (text) => this.pool.redact(text),
      })
      this.logger.debug(
        `Quality scorer "${this.name}": ${JSON.stringify(scores)} from ${where} in ` +
          `${Date.now() - started} ms.`,
      )
      return { ...scores, source: `mcp:${this.tool} on server "${location.server}"` }
    } catch (error) {
      if (signal.aborted) throw abortReason(signal)
      throw error
    }
  }
}

/** Options of {@link parseScores}. */
export interface ParseScoresOptions {
  /** The top of the tool's scale (default 1): values are divided by it. */
  scale?: number
  /** Names the tool in error messages. */
  where?: string
  /** Masks secrets in quoted server text. */
  redact?: (text: string) => string
}

/**
 * Reads the scores of a scoring tool's result: the first of `structuredContent` and the JSON
 * objects in its text content (a whole text, or its outermost `{…}`) that has any of the keys
 * {@link ALIGNMENT_KEYS} or {@link AESTHETIC_KEYS} at its top level. Values must be numbers in
 * 0–`scale`; they are returned divided by `scale`.
 *
 * @throws KamuiError GEN_001 when no object has a score key, or a score field holds anything but
 *   a number in 0–`scale` (the message names the field and the value)
 */
export function parseScores(
  result: CallToolResult,
  options: ParseScoresOptions = {},
): { alignment?: number; aesthetic?: number } {
  const scale = options.scale ?? 1
  const where = options.where ?? 'the scoring tool'
  const redact = options.redact ?? ((text: string) => text)
  const candidates: Record<string, unknown>[] = []
  if (isRecord(result.structuredContent)) candidates.push(result.structuredContent)
  const texts: string[] = []
  for (const item of result.content ?? []) {
    if (item.type !== 'text') continue
    texts.push(item.text)
    const json = parseJsonObject(item.text)
    if (json) candidates.push(json)
  }
  for (const candidate of candidates) {
    const alignmentKey = ALIGNMENT_KEYS.find((key) => key in candidate)
    const aestheticKey = AESTHETIC_KEYS.find((key) => key in candidate)
    if (alignmentKey === undefined && aestheticKey === undefined) continue
    const out: { alignment?: number; aesthetic?: number } = {}
    if (alignmentKey !== undefined) {
      out.alignment = scaled(candidate[alignmentKey], alignmentKey, scale, where, redact)
    }
    if (aestheticKey !== undefined) {
      out.aesthetic = scaled(candidate[aestheticKey], aestheticKey, scale, where, redact)
    }
    return out
  }
  const text = redact(texts.join(' ').replace(/\s+/g, ' ').trim())
  throw new KamuiError(
    'GEN_001',
    `${where} returned no score: expected one of ${[...ALIGNMENT_KEYS, ...AESTHETIC_KEYS].join(', ')} ` +
      `in structuredContent or JSON text (text: ${shorten(text) || 'none'}).`,
  )
}

function scaled(
  value: unknown,
  field: string,
  scale: number,
  where: string,
  redact: (text: string) => string,
): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= scale) {
    return value / scale
  }
  const shown = redact(shorten(JSON.stringify(value) ?? String(value)))
  const range = scale === 1 ? '0–1' : `0–${scale} (scoreScale ${scale})`
  throw new KamuiError(
    'GEN_001',
    `${where} returned ${field} = ${shown}, which is not a number in ${range}` +
      (scale === 1 ? '; declare scoreScale in the registry entry for another scale.' : '.'),
  )
}

/** A JSON object parsed from a whole text or its outermost `{…}`, or undefined. */
function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const trimmed = text.trim()
  const attempts = [trimmed]
  const start = trimmed.indexOf('{')
  const end = trimmed.lastIndexOf('}')
  if (start > 0 || (start >= 0 && end < trimmed.length - 1)) {
    if (end > start) attempts.push(trimmed.slice(start, end + 1))
  }
  for (const attempt of attempts) {
    try {
      const value: unknown = JSON.parse(attempt)
      if (isRecord(value)) return value
    } catch {
      // not JSON; try the next form
    }
  }
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}
