import { KamuiError } from '../../core/errors.js'
import { PREVIEW_SERVER_KEY } from '../../models/builtin.js'
import type { McpCall, ModelEntry } from '../../models/types.js'
import type { ModelJobRunner } from '../kinds/job.js'
import { answerJson } from '../mcp/text-answer.js'
import type { TextAnswer, TextCallOptions, TextProvider, TextRequest } from './provider.js'

/** Options of {@link McpTextProvider}. */
export interface McpTextOptions {
  /** Recorded label; default the entry's alias (`preview:<alias>` for a stand-in). */
  label?: string
  /** The entry is the embedded preview server (templates, no charge, data URLs only). */
  preview?: boolean
  /** Pause between status calls of async tools, ms (default: the entry's). */
  pollIntervalMs?: number
}

/**
 * A text model behind an MCP tool (sync, or submit / status / result), called as a text job of
 * the run's job runner: the tool receives `request.toolArgs` (those its input schema declares)
 * plus the entry's `arguments`; the JSON is read from `structuredContent` or the text.
 */
export class McpTextProvider implements TextProvider {
  readonly label: string
  readonly preview: boolean
  readonly offline: boolean
  readonly cacheIdentity: string
  readonly noCharge: string | null
  readonly unusableAnswerCode = 'GEN_001'
  private readonly call: McpCall

  /** @throws KamuiError IMG_002 when the entry has no MCP call */
  constructor(
    readonly entry: ModelEntry,
    private readonly runner: ModelJobRunner,
    private readonly options: McpTextOptions = {},
  ) {
    if (!entry.call) throw new KamuiError('IMG_002', `Model "${entry.alias}" has no MCP call.`)
    this.call = entry.call
    this.preview = options.preview ?? false
    this.offline = this.preview
    this.label = options.label ?? entry.alias
    this.noCharge = this.preview ? 'preview server: written offline, no charge' : null
    this.cacheIdentity = `mcp:${this.label}:${JSON.stringify(entry.call)}:${JSON.stringify(entry.arguments)}`
  }

  async ask(request: TextRequest, options: TextCallOptions): Promise<TextAnswer> {
    const { entry } = this
    const pollIntervalMs = this.options.pollIntervalMs ?? entry.pollIntervalMs
    const output = await this.runner.run(
      {
        provider: 'mcp',
        label: this.label,
        call: this.call,
        args: { ...request.toolArgs, ...entry.arguments },
        hints: [...(entry.serverHints ?? []), ...(entry.embedded ? [PREVIEW_SERVER_KEY] : [])],
        ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
        answer: 'text',
      },
      options,
    )
    const tool = output.handle.tools[0] ?? null
    return {
      json: answerJson(output),
      text: output.text,
      source: `tool "${tool}" on MCP server "${output.handle.server}"`,
      model: {
        alias: this.label,
        provider: this.preview ? 'preview' : 'mcp',
        server: output.handle.server,
        tool,
        workflow: null,
      },
      generationMs: output.generationMs,
    }
  }
}
